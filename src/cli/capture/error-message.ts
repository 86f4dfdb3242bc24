import { WarcwireError } from '../../errors';

/** One line for a human: message plus the stable code when there is one. */
export function errorMessage(err: unknown): string {
  if (err instanceof WarcwireError) return `${err.message} [${err.code}]`;
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error) return typeof code === 'string' ? `${err.message} [${code}]` : err.message;
  return String(err);
}
