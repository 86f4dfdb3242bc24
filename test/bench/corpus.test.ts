/** The bench's real-HTML corpus: pages read from disk, or how to install them when they are not there. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { realHtmlCorpus } from '../../bench/corpus';

describe('real-HTML corpus', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-corpus-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a missing directory says how to fetch the nodejs-doc pages', () => {
    const result = realHtmlCorpus({ quick: true, dir: path.join(dir, 'absent') });
    expect(result).toEqual({ missing: expect.stringContaining('scripts/fetch-html-corpus.sh') });
  });

  test('a directory without HTML pages says the same', () => {
    fs.writeFileSync(path.join(dir, 'README.md'), 'no pages');
    expect('missing' in realHtmlCorpus({ quick: true, dir })).toBe(true);
  });

  test('every .html page below the directory, in path order, cycled to the corpus size', () => {
    fs.mkdirSync(path.join(dir, 'api'));
    const pages: Record<string, Buffer> = {
      'api/b.html': Buffer.alloc(300_000, 'b'),
      'api/a.html': Buffer.alloc(200_000, 'a'),
      'index.html': Buffer.alloc(100_000, 'i'),
    };
    for (const [name, bytes] of Object.entries(pages)) fs.writeFileSync(path.join(dir, name), bytes);
    fs.writeFileSync(path.join(dir, 'api', 'a.json'), '{}');
    const corpus = realHtmlCorpus({ quick: true, dir });
    if ('missing' in corpus) throw new Error(corpus.missing);
    const order = ['api/a.html', 'api/b.html', 'index.html'];
    // Buffer.equals, not toEqual: jest compares buffers byte by byte, slowly.
    const expected = [...order, ...order].map((name) => pages[name]!);
    expect(corpus.records.slice(0, 6).map((r, i) => r.block.equals(expected[i]!))).toEqual(expected.map(() => true));
    const sum = corpus.records.reduce((total, r) => total + r.header.length + r.block.length, 0);
    expect(corpus.totalBytes).toBe(sum);
    // Quick: just past 16 MiB, by whole records.
    const last = corpus.records[corpus.records.length - 1]!;
    expect(sum).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(sum - last.header.length - last.block.length).toBeLessThan(16 * 1024 * 1024);
    expect(last.header.toString()).toContain(`Content-Length: ${last.block.length}\r\n`);
  });
});
