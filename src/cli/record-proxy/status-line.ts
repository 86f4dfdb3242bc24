/**
 * The live line at the bottom of a terminal: rewritten in place, and moved
 * out of the way of every other line written to the same stream.
 */
const CLEAR = '\r\x1b[K';

export class StatusLine {
  private text = '';
  constructor(private readonly stream: NodeJS.WritableStream) {}

  /** Replaces the live line. */
  show(text: string): void {
    this.text = text;
    this.stream.write(CLEAR + text);
  }

  /** Writes whole lines above the live line, which is drawn again below them. */
  print(lines: string): void {
    this.stream.write(this.text === '' ? lines : CLEAR + lines + this.text);
  }

  /** Removes the live line for good. */
  end(): void {
    if (this.text !== '') this.stream.write(CLEAR);
    this.text = '';
  }
}
