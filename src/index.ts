export { WarcwireError } from './errors';
export { BackendError } from './backend/errors';
export type * from './backend/types';
