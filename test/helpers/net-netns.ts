import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * A throwaway network namespace (needs root and iproute2), and a way to run a
 * TypeScript snippet inside it: Node cannot change its own namespace, so the
 * snippet runs in a child `ip netns exec NS node`, with src/ transpiled on the
 * fly by the project's typescript. The snippet's last expression value is
 * printed as JSON on stdout and returned.
 */
export interface NetNamespace {
  name: string;
  /** Runs `ip -n NAME ...args`. */
  ip(...args: string[]): void;
  /** Runs a command inside the namespace (`ip netns exec NAME ...`). */
  exec(...command: string[]): void;
  /** Runs `body` (an async function body in TS-free JavaScript) in the namespace; returns what it returns. */
  run<T>(body: string, timeoutMs?: number): Promise<T>;
  destroy(): void;
}

const repo = resolve(__dirname, '..', '..');

export function netnsUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `ip netns unusable: ${(error as Error).message}`;
  }
}

export function createNetNamespace(): NetNamespace {
  const name = `warcwire-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-netns-'));
  const ip = (...args: string[]): void => {
    execFileSync('ip', ['-n', name, ...args], { stdio: 'pipe' });
  };
  try {
    ip('link', 'set', 'lo', 'up');
  } catch (error) {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
    throw error;
  }
  let counter = 0;
  return {
    name,
    ip,
    exec(...command: string[]): void {
      execFileSync('ip', ['netns', 'exec', name, ...command], { stdio: 'pipe' });
    },
    run<T>(body: string, timeoutMs = 20_000): Promise<T> {
      const file = join(dir, `snippet-${counter++}.js`);
      writeFileSync(
        file,
        `
const fs = require('node:fs');
const ts = require(${JSON.stringify(join(repo, 'node_modules', 'typescript'))});
require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: filename,
  }).outputText;
  module._compile(out, filename);
};
const src = (p) => require(${JSON.stringify(join(repo, 'src'))} + '/' + p);
(async () => { ${body} })().then(
  (value) => { process.stdout.write(JSON.stringify(value === undefined ? null : value)); process.exit(0); },
  (error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); },
);
`,
      );
      return new Promise<T>((resolvePromise, reject) => {
        execFile('ip', ['netns', 'exec', name, process.execPath, file], { timeout: timeoutMs }, (error, stdout, stderr) => {
          if (error) reject(new Error(`snippet failed in ${name}: ${error.message}\n${stderr}`));
          else resolvePromise(JSON.parse(stdout) as T);
        });
      });
    },
    destroy(): void {
      rmSync(dir, { recursive: true, force: true });
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
      } catch {
        /* already gone */
      }
    },
  };
}
