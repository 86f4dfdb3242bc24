#!/usr/bin/env node
'use strict';
/**
 * One real capture through WarcClient from an installed (or staged) warcwire package: a
 * node:http server on 127.0.0.1, one GET, the response/request pair written to <outDir>.
 * The caller checks the file with independent tools (gzip CLI).
 *
 * Usage: node capture-smoke.js <packageRoot> <outDir>
 * Prints one JSON line: the WARC files written, the body length seen by the caller, the
 * backend, and whether WarcClient came from the public entry point or dist/client/.
 */
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const [pkgRoot, outDir] = process.argv.slice(2).map((p) => p && path.resolve(p));
if (!pkgRoot || !outDir) {
  process.stderr.write('usage: capture-smoke.js <packageRoot> <outDir>\n');
  process.exit(2);
}

/** WarcClient from the package's public API when it exports it, else from dist/client/. */
function loadClient() {
  const pub = require(pkgRoot);
  if (typeof pub.WarcClient === 'function') return { WarcClient: pub.WarcClient, from: 'public', loadBackend: pub.loadBackend };
  const client = require(path.join(pkgRoot, 'dist', 'client', 'index.js'));
  const backend = require(path.join(pkgRoot, 'dist', 'backend', 'index.js'));
  return { WarcClient: client.WarcClient, from: 'dist/client', loadBackend: backend.loadBackend };
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const { WarcClient, from, loadBackend } = loadClient();
  const body = Buffer.alloc(150_000, 'warcwire release smoke ');
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(req.url === '/smoke' ? body : 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  try {
    const client = await WarcClient.create({ writer: { directory: outDir } });
    const res = await client.fetch(`http://127.0.0.1:${port}/smoke`);
    const text = await res.text();
    await res.written;
    await client.close();
    const files = fs.readdirSync(outDir).sort();
    const summary = { from, backend: loadBackend().name, status: res.status, bodyLength: Buffer.byteLength(text), files };
    process.stdout.write(JSON.stringify(summary) + '\n');
  } finally {
    server.close();
  }
}

main().catch((err) => {
  process.stderr.write(`capture-smoke: FAILED: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
