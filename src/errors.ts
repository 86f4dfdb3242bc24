/**
 * Base class of every error warcwire throws on purpose. `code` is stable and
 * machine-readable (like Node's `ERR_*` codes); `message` is for humans.
 */
export class WarcwireError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
