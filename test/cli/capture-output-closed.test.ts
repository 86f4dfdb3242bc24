/**
 * `warcwire capture … | head -1`: the reader of stdout is gone by the time the
 * summary is written. The crawl is over by then, so that loses the summary
 * only: the failures still reach stderr and the exit status still says a URL
 * failed.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { BIN } from '../helpers/cli-child';
import { startHttp, type Running } from '../helpers/client-servers';
import { tempDir } from '../helpers/warc-backend';

const { dir, cleanup } = tempDir('cli-capture-closed');
let server: Running;
beforeAll(async () => {
  server = await startHttp((req, res) => {
    // /broken drops the connection before answering: that URL fails.
    if (req.url === '/broken') return void req.socket.destroy();
    res.end('fine');
  });
});
afterAll(async () => {
  await server.close();
  cleanup();
});

/** Runs capture with its stdout pipe closed by the reader at once. */
function captureWithStdoutClosed(argv: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'capture', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, err }));
  });
}

test.each([[[]], [['--json']]])('a failed URL with stdout closed early (%j): exit 1 and the failure on stderr', async (flags: string[]) => {
  const r = await captureWithStdoutClosed([`${server.url}/ok`, `${server.url}/broken`, '-o', dir, ...flags]);
  expect(r.err).toContain(`failed:\n  ${server.url}/broken: `);
  expect(r.code).toBe(1);
  // The run itself completed: its file is closed.
  expect(readdirSync(dir).filter((f) => f.endsWith('.open'))).toEqual([]);
});
