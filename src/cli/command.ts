/**
 * A `warcwire` sub-command. Each lives in `src/cli/commands/<name>.ts` and
 * default-exports one of these; `src/cli/main.ts` finds them by file name.
 */
export interface CliCommand {
  name: string;
  /** One line for `warcwire --help`. */
  summary: string;
  /** Full usage text for `warcwire <name> --help`. */
  usage: string;
  /** Returns the process exit code. Writes to the given streams, not to console. */
  run(argv: string[], io: CliIO): Promise<number>;
}

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}
