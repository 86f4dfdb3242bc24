/**
 * The `warcwire` dispatcher. Commands are the modules in `./commands/`,
 * found by file name, each default-exporting a CliCommand.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, isBrokenPipe, OutputClosedError, UsageError, write } from './args';
import type { CliCommand, CliIO } from './command';

const MODULE = /^([a-z][a-z0-9-]*)\.(js|ts)$/;

/** Command names available in `dir` (compiled `.js`, or `.ts` when run from source). */
export function commandNames(dir = join(__dirname, 'commands')): string[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const f of files) {
    const m = MODULE.exec(f);
    if (m && !f.endsWith('.d.ts')) names.add(m[1]);
  }
  return [...names].sort();
}

export function loadCommand(name: string, dir = join(__dirname, 'commands')): CliCommand {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(dir, name)) as { default?: CliCommand };
  if (!mod.default || typeof mod.default.run !== 'function') throw new Error(`command module ${name} has no default CliCommand export`);
  return mod.default;
}

function version(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(join(__dirname, '..', '..', 'package.json')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function overview(io: CliIO, stream: NodeJS.WritableStream): Promise<void> {
  const rows: string[] = [];
  for (const name of commandNames()) {
    let summary: string;
    try {
      summary = loadCommand(name).summary;
    } catch (err) {
      summary = `(cannot load: ${errorMessage(err)})`;
    }
    rows.push(`  ${name.padEnd(14)} ${summary}`);
  }
  await write(
    stream,
    `Usage: warcwire <command> [options]\n\nRecord web traffic into WARC files, and read, check, index and repair them.\n\nCommands:\n${rows.join('\n')}\n\n` +
      `Run \`warcwire <command> --help\` for a command's options.\n`,
  );
  void io;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0]) return main([rest[0], '--help'], io);
    await overview(io, io.stdout);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    await write(io.stdout, `warcwire ${version()}\n`);
    return 0;
  }
  if (!commandNames().includes(name)) {
    await write(io.stderr, `warcwire: unknown command ${JSON.stringify(name)}\n\n`);
    await overview(io, io.stderr);
    return 2;
  }
  let command: CliCommand;
  try {
    command = loadCommand(name);
  } catch (err) {
    await write(io.stderr, `warcwire ${name}: ${errorMessage(err)}\n`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    await write(io.stdout, command.usage.endsWith('\n') ? command.usage : command.usage + '\n');
    return 0;
  }
  // A reader that goes away (EPIPE) makes the stream emit 'error'; with no
  // listener that is an uncaught exception. The failed write() rejects instead.
  const ignore = (): void => undefined;
  io.stdout.on('error', ignore);
  io.stderr.on('error', ignore);
  try {
    return await command.run(rest, io);
  } catch (err) {
    // Like `ls | head`: output cut by its reader is no failure, and not worth a word.
    if (err instanceof OutputClosedError) return 0;
    const usageProblem = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    await write(io.stderr, `warcwire ${name}: ${errorMessage(err)}\n`);
    if (usageProblem) {
      await write(io.stderr, `\n${command.usage}${command.usage.endsWith('\n') ? '' : '\n'}`);
      return 2;
    }
    return 1;
  } finally {
    io.stdout.removeListener('error', ignore);
    io.stderr.removeListener('error', ignore);
  }
}

/** Entry point of bin/warcwire.js. */
export function runMain(): void {
  // Late EPIPE errors (a write that had already returned) must not crash the process either.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: unknown) => {
      if (!isBrokenPipe(err)) process.exitCode = 1;
    });
  }
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`warcwire: ${errorMessage(err)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runMain();
