/**
 * Runs a TypeScript file of this repository in a separate `node` process, compiling each
 * required .ts file with TypeScript's transpileModule (no type check) — enough for test
 * scripts that import from src/.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

const HOOK = `
const ts = require('typescript');
const fs = require('fs');
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const out = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(out.outputText, filename);
};
// node -e puts the script path at argv[1] and its arguments after it, as for a file.
require(process.argv[1]);
`;

export function runTs(script: string, args: string[], cwd: string): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['-e', HOOK, script, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
}
