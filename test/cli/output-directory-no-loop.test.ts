/**
 * An output or CA directory that mkdir answers ENOENT for while its parent
 * exists (`/proc/self/x`; likewise anything under a deleted working
 * directory): Node's recursive mkdir retried it for good and the command
 * hung. Each command now fails at once, saying it cannot create the directory.
 */
import { WarcClient } from '../../src/client/warc-client';
import { runCli } from '../helpers/cli-child';

const UNMAKEABLE = '/proc/self/warcwire-out';

test('capture -o: exit 2, nothing fetched', async () => {
  // Port 9 (discard) is never dialled: the directory is checked first.
  const r = await runCli(['capture', '-o', UNMAKEABLE, 'http://127.0.0.1:9/']);
  expect(r.err).toContain(`-o "${UNMAKEABLE}": cannot create the output directory (ENOENT`);
  expect(r.code).toBe(2);
}, 15_000);

test('record-proxy -o: exit 2 before listening', async () => {
  const r = await runCli(['record-proxy', '-o', UNMAKEABLE, '--listen', '127.0.0.1:0']);
  expect(r.err).toContain(`-o "${UNMAKEABLE}": cannot create the output directory (ENOENT`);
  expect(r.code).toBe(2);
}, 15_000);

test('ca --ca-dir: exit 1 with ERR_CA_FILE', async () => {
  const r = await runCli(['ca', '--ca-dir', `${UNMAKEABLE}/ca`]);
  expect(r.err).toMatch(/^warcwire ca: cannot create the CA directory \/proc\/self\/warcwire-out\/ca: ENOENT.*\[ERR_CA_FILE\]\n$/);
  expect(r.code).toBe(1);
}, 15_000);

test('demo -o: exit 1 naming the directory', async () => {
  const r = await runCli(['demo', '-o', UNMAKEABLE]);
  expect(r.err).toContain(`ENOENT: no such file or directory, mkdir '${UNMAKEABLE}'`);
  expect(r.code).toBe(1);
}, 15_000);

test('WarcClient.create: ClientError ERR_OUTPUT_DIRECTORY', async () => {
  await expect(WarcClient.create({ writer: { directory: UNMAKEABLE } })).rejects.toMatchObject({ code: 'ERR_OUTPUT_DIRECTORY' });
}, 15_000);
