/**
 * SIGINT/SIGTERM (and, for capture, SIGHUP) during a capture run. The first signal stops new URLs and
 * gives running requests a grace period, after which `cutShort` is called
 * (the client aborts them; their pairs are recorded truncated). The run then
 * closes its files and prints its summary as usual. A second signal exits at
 * once: the files stay `*.open`, which `warcwire mend` finishes.
 */

export const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof EXIT_CODES;
/**
 * capture also stops on SIGHUP (its terminal or ssh session went away), so
 * the exchanges in flight are recorded and the files closed rather than lost
 * `.open`; the long-running proxies reload on SIGHUP instead.
 */
export const CAPTURE_EXIT_CODES = { ...EXIT_CODES, SIGHUP: 129 } as const;
export type CaptureStopSignal = keyof typeof CAPTURE_EXIT_CODES;

/** The second signal: exit now, telling how to finish the files it leaves `*.open`. */
export function exitAtOnce(stderr: NodeJS.WritableStream, command: string, name: CaptureStopSignal, directory: string): never {
  stderr.write(
    `\nwarcwire ${command}: ${name} again: exiting now. Unfinished WARC files are left as *.open; ` +
      `run \`warcwire mend ${directory}\` to finish them.\n`,
  );
  process.exit(CAPTURE_EXIT_CODES[name]);
}

export interface SignalWatch {
  /** Fires on the first signal. */
  stop: AbortSignal;
  /** The first signal that came, if one did. */
  signal(): CaptureStopSignal | undefined;
  /** 130, 143 or 129 once a signal came, else undefined. */
  exitCode(): number | undefined;
  /** Removes the handlers and the grace timer. */
  dispose(): void;
}

export function watchSignals(stderr: NodeJS.WritableStream, graceMs: number, cutShort: () => void, directory = '.'): SignalWatch {
  const controller = new AbortController();
  let received: CaptureStopSignal | undefined;
  let timer: NodeJS.Timeout | undefined;
  const handlers = new Map<CaptureStopSignal, () => void>();
  for (const name of Object.keys(CAPTURE_EXIT_CODES) as CaptureStopSignal[]) {
    const handler = (): void => {
      if (received !== undefined) exitAtOnce(stderr, 'capture', name, directory);
      received = name;
      stderr.write(
        `\nwarcwire capture: ${name}: no new URLs; running requests get ${graceMs / 1000} s to finish, ` +
          `then are cut short (recorded truncated). Send it again to exit at once.\n`,
      );
      controller.abort();
      timer = setTimeout(cutShort, graceMs);
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return {
    stop: controller.signal,
    signal: () => received,
    exitCode: () => (received === undefined ? undefined : CAPTURE_EXIT_CODES[received]),
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

/**
 * An error message in the CLI's words: settings named as the flags that set them.
 */
const CLI_NAMES: ReadonlyArray<readonly [RegExp, string]> = [
  [/set tls\.verify: false/g, 'use --insecure'],
  [/tls\.verify: false/g, '--insecure'],
  [/timeouts\.request/g, '--timeout'],
  [/timeouts\.responseHeaders/g, '--response-timeout'],
  [/timeouts\.idleRead/g, '--idle-timeout'],
  [/maxResponseBytes/g, '--max-response-size'],
  [/(settings\.)?writer\.maxFileSize/g, '--max-file-size'],
  [/(settings\.)?writer\.directory/g, '-o'],
  [/(settings\.)?writer\.level/g, '--level'],
  [/^listen: listening on /g, '--listen '],
  [/set unsafeOpenRelay: true/g, 'pass --unsafe-open-relay'],
  [/set auth,/g, 'set auth in --config,'],
];

export function cliWording(message: string): string {
  let out = message;
  for (const [pattern, flag] of CLI_NAMES) out = out.replace(pattern, flag);
  return out;
}
