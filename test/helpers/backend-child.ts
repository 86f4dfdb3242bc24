/**
 * Runs a TypeScript file of the test tree in a child `node`, optionally under
 * `ulimit -f` (RLIMIT_FSIZE) with SIGXFSZ ignored so an oversize write fails
 * with EFBIG instead of killing the process. The child compiles .ts on the fly
 * with the project's own TypeScript (no build step needed).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const REGISTER_TS = `
const ts = require(${JSON.stringify(require.resolve('typescript'))});
const fs = require('fs');
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
require(process.env.WARCWIRE_CHILD_SCRIPT);
`;

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runTsChild(
  script: string,
  options: { env?: Record<string, string>; fileSizeLimitKiB?: number; timeoutMs?: number } = {},
): Promise<ChildResult> {
  const limit = options.fileSizeLimitKiB !== undefined ? `ulimit -f ${Math.floor(options.fileSizeLimitKiB)}; ` : '';
  // `trap '' XFSZ` makes SIGXFSZ ignored; ignored dispositions survive exec into node.
  const command = `trap '' XFSZ; ${limit}exec "$WARCWIRE_NODE" -e "$WARCWIRE_REGISTER"`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], {
      env: {
        ...process.env,
        ...options.env,
        WARCWIRE_NODE: process.execPath,
        WARCWIRE_REGISTER: REGISTER_TS,
        WARCWIRE_CHILD_SCRIPT: path.resolve(script),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
