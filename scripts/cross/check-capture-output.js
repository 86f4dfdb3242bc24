#!/usr/bin/env node
'use strict';
/**
 * Checks the WARC file capture-smoke.js wrote, with tools other than the code under test:
 * the gzip CLI decodes it; the records must be warcinfo, response, request; the response's
 * WARC-Payload-Digest must be the SHA-1 (node:crypto, base32) of the body the server sent.
 * Usage: node check-capture-output.js <outDir>
 */
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
// Padded; the SHA-1 digests checked here are 32 characters, so padding never applies.
const { base32 } = require('./base32');

function fail(message) {
  process.stderr.write(`check-capture-output: ${message}\n`);
  process.exit(1);
}

const dir = process.argv[2];
const files = fs.readdirSync(dir);
if (files.length !== 1 || !files[0].endsWith('.warc.gz')) fail(`expected one closed .warc.gz in ${dir}, found: ${files.join(', ')}`);
const text = execFileSync('gzip', ['-dc', path.join(dir, files[0])], { encoding: 'latin1', maxBuffer: 64 << 20 });
const types = [...text.matchAll(/^WARC-Type: (\S+)\r$/gm)].map((m) => m[1]);
if (types.join(',') !== 'warcinfo,response,request') fail(`record types ${types.join(',')}`);
// Same body as capture-smoke.js serves.
const body = Buffer.alloc(150_000, 'warcwire release smoke ');
const want = `sha1:${base32(crypto.createHash('sha1').update(body).digest())}`;
const got = /^WARC-Payload-Digest: (\S+)\r$/m.exec(text);
if (!got || got[1] !== want) fail(`payload digest ${got && got[1]}, expected ${want}`);
process.stdout.write(`check-capture-output: ok (${files[0]}: ${types.join(', ')}; ${want})\n`);
