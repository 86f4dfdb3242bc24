/** Small helpers shared by the `warcwire` commands. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { WarcwireError } from '../errors';

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

export function write(stream: NodeJS.WritableStream, text: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(text, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else stream.once('drain', () => resolve());
  });
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
