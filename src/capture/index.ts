export { CaptureError, type CaptureErrorCode } from './errors';
export { CapturedExchange, type ConnectionInfo, type TruncationReason } from './exchange';
export { CaptureConnection, type CaptureConnectionOptions } from './connection';
export type { CaptureFailure, ExchangeOutcome } from './outcome';
export { exchangeRecords, targetUri, warcTlsProtocol, type RecordPair } from './records';
export { teeSocket, type TeeObserver } from './tee';
