/**
 * The fuzz child (fuzz/child.ts) as plain JavaScript, for tests that replay
 * inputs through the harness's runner: the TypeScript tree it needs is
 * transpiled once per test file into a temp dir (no type check; a child
 * compiling .ts on the fly would pay seconds per start).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { linkNativeBuild } from '../../scripts/compiled-tree';

const ROOT = path.resolve(__dirname, '..', '..');
/** What fuzz/child.ts imports, relative to the repository root. */
const TREES = ['fuzz', 'src', 'scripts/compiled-tree.ts', 'test/helpers/warc-records.ts', 'test/helpers/zstd-frames.ts'];

function tsFiles(relative: string): string[] {
  const full = path.join(ROOT, relative);
  if (!statSync(full).isDirectory()) return [relative];
  return readdirSync(full).flatMap((name) => (name.endsWith('.ts') || statSync(path.join(full, name)).isDirectory() ? tsFiles(path.join(relative, name)) : []));
}

/** Transpiles the child's tree under `outDir`; returns the child script's path. */
export function compileFuzzChild(outDir: string): string {
  for (const file of TREES.flatMap(tsFiles)) {
    const { outputText } = ts.transpileModule(readFileSync(path.join(ROOT, file), 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const target = path.join(outDir, file.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  // The native loader looks for build/ and prebuilds/ two levels above src/backend.
  linkNativeBuild(ROOT, outDir);
  return path.join(outDir, 'fuzz', 'child.js');
}
