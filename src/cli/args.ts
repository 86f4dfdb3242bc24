/** Small helpers shared by the `warcwire` commands. */
import { WarcwireError } from '../errors';

/** A mistake in how a command was called: the dispatcher prints usage and exits 2. */
export class UsageError extends WarcwireError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
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
