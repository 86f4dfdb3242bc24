/** Small helpers shared by the `warcwire` commands. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { WarcwireError } from '../errors';
import { formatIssue } from '../warc/tools/check';
import type { ReadIssue } from '../warc/read/read-issues';

/** A mistake in how a command was called: the dispatcher prints usage and exits 2. */
export class UsageError extends WarcwireError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
type CommandConfig<O extends OptionsConfig> = { args: string[]; allowPositionals: true; options: O };
/** The option values `parseArgs` gives for `options`, typed per option. */
export type OptionValues<O extends OptionsConfig> = ReturnType<typeof parseArgs<CommandConfig<O>>>['values'];

/**
 * Parses a command's argv (unknown options are errors) and checks its operands
 * against `operands`, named as in the usage line: `['FILE...']` takes one or
 * more, `['FILE', 'OFFSET']` exactly those. A wrong count is a UsageError.
 */
export function parseCommandArgs<O extends OptionsConfig>(
  argv: string[],
  options: O,
  operands: readonly string[],
): { values: OptionValues<O>; positionals: string[] } {
  const { values, positionals } = parseArgs<CommandConfig<O>>({ args: argv, allowPositionals: true, options });
  const last = operands[operands.length - 1] ?? '';
  if (last.endsWith('...')) {
    if (positionals.length < operands.length) throw new UsageError(`no ${last.slice(0, -3)} given`);
  } else if (positionals.length !== operands.length) {
    throw new UsageError(operands.length === 0 ? 'expected no operands' : `expected ${operands.join(' and ')}`);
  }
  return { values, positionals };
}

/**
 * The reader of our output went away (`warcwire ls | head`): not a failure of
 * the command. main() ends the command quietly with exit 0.
 */
export class OutputClosedError extends WarcwireError {
  constructor(cause?: unknown) {
    super('ERR_OUTPUT_CLOSED', 'output closed by its reader', { cause });
  }
}

/**
 * Our output takes no more bytes (a full disk or /dev/full, an I/O error): the
 * command stops, and the message names the output, not the input being read.
 */
export class OutputWriteError extends WarcwireError {
  constructor(cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('ERR_OUTPUT_WRITE', `cannot write the output: ${reason} (is the disk full, or the target not writable?)`, { cause });
  }
}

/** Our own output failed or went away: that ends the command whatever input it was reading. */
export function isOutputFailure(err: unknown): boolean {
  return err instanceof OutputClosedError || err instanceof OutputWriteError;
}

function closedOutput(stream: NodeJS.WritableStream): boolean {
  const s = stream as NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean };
  return s.destroyed === true || s.writableEnded === true;
}

/** True for write failures that mean the reader is gone (EPIPE and kin), not a fault. */
export function isBrokenPipe(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof OutputClosedError || code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END';
}

/**
 * Writes and waits for room. Rejects with OutputClosedError when the stream
 * was closed by its reader (EPIPE) instead of waiting for a drain that never
 * comes, and with OutputWriteError when the write failed otherwise.
 */
export function write(stream: NodeJS.WritableStream, text: string | Uint8Array): Promise<void> {
  if (closedOutput(stream)) return Promise.reject(new OutputClosedError());
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      stream.removeListener('drain', onDrain);
      stream.removeListener('error', onError);
      stream.removeListener('close', onClose);
    };
    const onError = (err: unknown): void => {
      cleanup();
      reject(isBrokenPipe(err) ? new OutputClosedError(err) : new OutputWriteError(err));
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => onError(new OutputClosedError());
    const ok = stream.write(text, (err) => {
      if (err) onError(err);
    });
    if (ok) resolve();
    else {
      stream.once('drain', onDrain);
      stream.once('error', onError);
      stream.once('close', onClose);
    }
  });
}

/**
 * Writes the report of work already done (capture's summary): a reader gone
 * from the stream (`capture … | head -1`) loses the report, not the messages
 * after it nor the command's exit status.
 */
export async function writeReport(stream: NodeJS.WritableStream, text: string): Promise<void> {
  try {
    await write(stream, text);
  } catch (err) {
    if (!(err instanceof OutputClosedError)) throw err;
  }
}

/** Collects output lines and writes them in blocks (one write per few hundred lines). */
export class LineWriter {
  private lines: string[] = [];
  constructor(private readonly stream: NodeJS.WritableStream) {}
  async line(text: string): Promise<void> {
    this.lines.push(text);
    if (this.lines.length >= 512) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    const text = this.lines.join('\n') + '\n';
    this.lines = [];
    await write(this.stream, text);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof WarcwireError) return `${err.message} [${err.code}]`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Reading damage met by commands other than `check` (ls, index): each error on
 * stderr in check's format, counted so the command can exit 1. Notes are not
 * damage and stay quiet.
 */
export class DamageLog {
  errors = 0;
  /** Put before each line (the file name when a command reads several). */
  prefix = '';
  private pending: string[] = [];
  constructor(private readonly stream: NodeJS.WritableStream) {}
  readonly add = (issue: ReadIssue): void => {
    if (issue.severity !== 'error') return;
    this.errors++;
    this.pending.push(this.prefix + formatIssue(issue));
  };
  /** A file that cannot be read at all. */
  cannotRead(file: string, err: unknown): void {
    if (isOutputFailure(err)) throw err;
    this.errors++;
    this.pending.push(`${file}: cannot read: ${errorMessage(err)}`);
  }
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    await write(this.stream, text);
  }
}
