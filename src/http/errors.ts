import { WarcwireError } from '../errors';

/** Error codes of the HTTP/1.1 framing and head parsing of captured bytes. */
export type HttpParseErrorCode =
  | 'ERR_HTTP_HEAD_TOO_LARGE' // head section over the limit (64 KiB by default)
  | 'ERR_HTTP_MALFORMED_STATUS' // response status line is not `HTTP/x.y NNN reason`
  | 'ERR_HTTP_MALFORMED_REQUEST' // request line is not `METHOD target HTTP/x.y`
  | 'ERR_HTTP_MALFORMED_HEADER' // a header line without a valid name and colon
  | 'ERR_HTTP_INVALID_CONTENT_LENGTH' // not a decimal number, or conflicting values
  | 'ERR_HTTP_INVALID_TRANSFER_ENCODING' // request with a transfer-coding other than chunked last
  | 'ERR_HTTP_UNREQUESTED_UPGRADE' // 101 Switching Protocols to a request that offered no Upgrade
  | 'ERR_HTTP_INVALID_CHUNK' // chunk size line not hex, too long, or chunk data not followed by CRLF
  | 'ERR_HTTP_INCOMPLETE'; // the stream ended inside a message

export class HttpParseError extends WarcwireError {
  declare readonly code: HttpParseErrorCode;
  constructor(code: HttpParseErrorCode, message: string) {
    super(code, message);
  }
}
