import { BackendError } from '../../backend/errors';

/**
 * A WARC file cannot be opened or written (disk full, file too large, no
 * permission, I/O error): every later exchange would fail the same way, so a
 * crawl should stop rather than fetch what it cannot keep.
 */
export function isFatalWriteError(err: unknown): err is BackendError {
  return err instanceof BackendError && (err.code === 'ERR_SINK_WRITE' || err.code === 'ERR_SINK_OPEN');
}
