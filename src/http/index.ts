export { HttpParseError, type HttpParseErrorCode } from './errors';
export { parseRequestHead, parseResponseHead, parseHttpHead, headerValue, headerValues, type HeaderList, type RequestHead, type ResponseHead, type HttpHead } from './head';
export { ChunkedDecoder } from './chunked';
export { RequestFramer, ResponseFramer, contentLength, DEFAULT_MAX_HEAD_BYTES, type FramerEvents, type FinishResult } from './framer';
