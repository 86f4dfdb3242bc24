import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cdxTimestamp, cdxjLine, surt } from '../../src/warc/cdxj';
import { indexFile } from '../../src/warc/tools/indexer';
import { WarcWriter } from '../../src/warc/write/writer';
import { backend, FIXTURES, tempDir } from '../helpers/warc-backend';
import { exchange, exchanges, seededBytes } from '../helpers/warc-records';
import { parseCdxjLine, warcioCdxIndex, type CdxjParts } from '../helpers/warc-tools';

async function ourIndex(path: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of indexFile(path)) lines.push(line);
  return lines;
}

describe('CDXJ', () => {
  test('SURT keys', () => {
    expect(surt('http://www.Example.com/Path?b=2&a=1#frag')).toBe('com,example)/path?a=1&b=2');
    expect(surt('https://sub.example.co.uk:8443/x')).toBe('uk,co,example,sub:8443)/x');
    expect(surt('http://example.com')).toBe('com,example)/');
    // Hosts that are IP addresses, as warcio / Python surt key them.
    expect(surt('http://127.0.0.1:8080/a')).toBe('1,0,0,127:8080)/a');
    expect(surt('http://[::1]:8080/a')).toBe('[::1]:8080)/a');
    expect(surt('https://www.10.0.0.1:443/')).toBe('1,0,0,10)/');
    expect(surt('dns:example.com')).toBe('dns:example.com');
    expect(surt('file:///a b.png')).toBe('file:///a%20b.png');
  });

  test('14-digit timestamps and line format', () => {
    expect(cdxTimestamp('2024-05-06T07:08:09.123Z')).toBe('20240506070809');
    expect(cdxTimestamp('2024-05-06')).toBe('20240506000000');
    expect(
      cdxjLine({ url: 'http://example.com/', date: '2024-05-06T07:08:09Z', mime: 'text/html', status: 200, digest: 'sha1:ABC', length: 10, offset: 20, filename: 'f.warc.gz' }),
    ).toBe('com,example)/ 20240506070809 {"url": "http://example.com/", "mime": "text/html", "status": "200", "digest": "ABC", "length": "10", "offset": "20", "filename": "f.warc.gz"}');
  });

  // The reference is warcio's own key function (a child node: warcio is ESM).
  test('SURT keys equal warcio getSurt for IP hosts, ports and www', () => {
    const urls = [
      'http://127.0.0.1:18080/a?b=1&a=2',
      'http://10.0.0.1/',
      'https://192.168.1.20:443/x',
      'http://0x7f.0.0.1:81/',
      'http://[::1]:8080/x',
      'http://[2001:DB8::1]/y',
      'http://www.127.0.0.1/',
      'http://www2.example.com:8080/Path',
      'https://www.example.com:443/',
      'http://sub.www.example.com/',
      // Parameters sort after lower-casing; escapes the parser adds stay upper-case.
      'http://example.com/p?Z=1&a=2&_b=3',
      'http://example.com/p?q=<é>&x="',
    ];
    const script = `import { getSurt } from 'warcio/utils'; process.stdout.write(JSON.stringify(JSON.parse(process.argv[1]).map(getSurt)));`;
    const theirs = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(urls)], { cwd: join(__dirname, '..', '..') }).toString()) as string[];
    expect(urls.map(surt)).toEqual(theirs);
  });

  test(`index of a file with IP-host URLs equals warcio cdx-index (backend ${backend.name})`, async () => {
    const { dir, cleanup } = tempDir('cdxj-ip');
    try {
      const writer = new WarcWriter({ directory: dir, compression: 'gzip', hostname: 'idx' });
      const urls = ['http://127.0.0.1:18080/page?b=2&a=1', 'http://[::1]:8080/v6', 'https://10.1.2.3/x', 'http://www.example.com:8081/'];
      for (const [i, url] of urls.entries()) await writer.write(exchange(url, seededBytes(i + 1, 500)));
      await writer.close();
      const path = join(dir, writer.filenames[0]);
      const ours = (await ourIndex(path)).map(parseCdxjLine);
      expect(ours.map((l) => l.key)).toEqual(['1,0,0,127:18080)/page?a=1&b=2', '[::1]:8080)/v6', '3,2,1,10)/x', 'com,example:8081)/']);
      expect(ours).toEqual(warcioCdxIndex(path).map(parseCdxjLine));
    } finally {
      cleanup();
    }
  });

  // Not compared: whole-file gzip and split-member files (warcio reports offsets inside them differently).
  const comparable = [
    'cdxj-indexer--cc.warc.gz',
    'cdxj-indexer--missing-http.warc.gz',
    'gowarc--test.warc.gz',
    'iipc-spec--20130729-heritrix-original.warc.gz',
    'iipc-spec--20130729-heritrix-revisit-with-http-headers.warc.gz',
    'iipc-spec--20141124-heritrix-server-not-modified.warc.gz',
    'iipc-spec--20141129-heritrix-revisit-with-http-headers-and-new-warc-headers.warc.gz',
    'iipc-spec--hello-world.warc.gz',
    'jwarc--cc.warc.gz',
    'node-warc--parseMe.warc.gz',
    'warcio--example.warc.gz',
    'warcio--example-resource.warc.gz',
    'warcio--example-space-in-target-uri.warc.gz',
    'warcio--example-wget-bad-target-uri.warc.gz',
    // POST captures: keys with the method and body (form, JSON, a chunked body) appended.
    'warcio--post-test.warc.gz',
    'warcio-js--post-test-more.warc',
    'warcio-js--example-url-agnostic-revisit.warc.gz',
    'webarchive-commons--IAH-urls-wget.warc.gz',
  ];
  let warcioLines: Array<CdxjParts> = [];
  beforeAll(() => {
    warcioLines = warcioCdxIndex(...comparable.map((n) => join(FIXTURES, n))).map(parseCdxjLine);
  });
  test.each(comparable)('%s: same lines as warcio cdx-index', async (name) => {
    const path = join(FIXTURES, name);
    const ours = (await ourIndex(path)).map(parseCdxjLine);
    const theirs = warcioLines.filter((l) => l.json.filename === name);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours).toEqual(theirs);
  });

  test(`the writer's sidecar equals the sorted index of the file (backend ${backend.name})`, async () => {
    const { dir, cleanup } = tempDir('cdxj');
    try {
      const writer = new WarcWriter({ directory: dir, compression: 'gzip', hostname: 'idx', index: true });
      for (const pair of exchanges(25, 4)) await writer.write(pair);
      await writer.close();
      const path = join(dir, writer.filenames[0]);
      const sidecar = readFileSync(path + '.cdxj', 'utf8').split('\n').filter((l) => l !== '');
      expect(sidecar).toHaveLength(25);
      const indexed = (await ourIndex(path)).sort();
      expect(sidecar).toEqual(indexed);
      // And warcio agrees on the fields.
      expect(sidecar.map(parseCdxjLine).sort((a, b) => Number(a.json.offset) - Number(b.json.offset))).toEqual(warcioCdxIndex(path).map(parseCdxjLine));
    } finally {
      cleanup();
    }
  });
});
