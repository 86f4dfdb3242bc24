/**
 * The README's examples as written, run in a scratch project whose
 * node_modules holds this checkout as `warcwire` (its dist/: `npm run build`
 * first) beside the repository's own dependencies. An example is a ```js block
 * whose first line is `// <file name> ...`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/** The code of the README example named `file`. */
export function readmeExample(file: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const found = blocks.filter((code) => code.startsWith(`// ${file} `));
  if (found.length !== 1) throw new Error(`README.md has ${found.length} examples named ${file}`);
  return found[0]!;
}

export interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ExampleApp {
  dir: string;
  /** Writes `code` as `file` in the project and runs it with node (asynchronously: servers of the test's process answer it). */
  run(file: string, code: string, env?: Record<string, string>, timeoutMs?: number): Promise<ExampleRun>;
  remove(): void;
}

export function exampleApp(): ExampleApp {
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-readme-'));
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name !== 'warcwire' && !name.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  symlinkSync(ROOT, join(modules, 'warcwire'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-example', private: true }));
  return {
    dir,
    run: (file, code, env = {}, timeoutMs = 60_000) => {
      writeFileSync(join(dir, file), code);
      return new Promise((done, fail) => {
        const child = spawn(process.execPath, [file], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', fail);
        child.on('close', (status) => done({ code: status, stdout, stderr }));
      });
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
