// Runs requests through warcwire's http(s) agents with one real HTTP client
// (node:https, axios, got 14 or node-fetch 3; got and node-fetch are ESM-only,
// hence a child process) against the BUILT dist/, as a user would. The plan is
// JSON in argv[2] (see test/helpers/agent-clients.ts, which runs this and types
// what it prints); prints one JSON object: per request what the caller got and
// where `written` said the exchange landed.
import * as http from 'node:http';
import * as https from 'node:https';
import { createHash } from 'node:crypto';
import axios from 'axios';
import got from 'got';
import fetch from 'node-fetch';
import { WarcClient } from '../../dist/index.js';

const plan = JSON.parse(process.argv[2]);
const client = await WarcClient.create(plan.settings);
const written = [];
// One agent pair per session: 'default' is client.httpAgent / httpsAgent, else client.agents(options).
const sessions = plan.agents.map((options, session) =>
  options === 'default'
    ? { http: client.httpAgent, https: client.httpsAgent }
    : client.agents({ ...options, onWritten: (w, req) => written.push({ session, path: req.path, w }) }),
);

/** Reads `stream` to its end, or destroys the request after `abortAfter` bytes with `abort`. */
function consume(stream, abortAfter, abort) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha1');
    let length = 0;
    let aborted = false;
    stream.on('data', (d) => {
      if (aborted) return;
      hash.update(d);
      length += d.length;
      if (abortAfter !== undefined && length >= abortAfter) {
        aborted = true;
        abort();
        // What the caller took before it let go; late errors of the dropped stream do not matter.
        setTimeout(() => resolve({ length, sha1: hash.digest('hex'), aborted: true }), 50);
      }
    });
    stream.on('end', () => resolve({ length, sha1: hash.digest('hex'), aborted: false }));
    stream.on('error', (err) => (aborted ? undefined : reject(err)));
  });
}

function nodeRequest(r, agents) {
  const url = new URL(r.url);
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, {
      method: r.method ?? 'GET',
      agent: url.protocol === 'https:' ? agents.https : agents.http,
      ...(r.rejectUnauthorized !== undefined ? { rejectUnauthorized: r.rejectUnauthorized } : {}),
      ...(r.body !== undefined ? { headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(r.body) } } : {}),
    });
    req.on('error', reject);
    req.on('response', (res) => {
      consume(res, r.abortAfter, () => res.destroy()).then((body) => resolve({ status: res.statusCode, ...body }), reject);
    });
    req.end(r.body);
  });
}

async function axiosRequest(r, agents) {
  const controller = new AbortController();
  const res = await axios.request({
    url: r.url,
    method: r.method ?? 'GET',
    data: r.body,
    headers: r.body !== undefined ? { 'content-type': 'text/plain' } : {},
    httpAgent: agents.http,
    httpsAgent: agents.https,
    // No proxy from the environment: the agents route the request.
    proxy: false,
    responseType: 'stream',
    validateStatus: () => true,
    signal: controller.signal,
    ...(r.timeoutMs !== undefined ? { timeout: r.timeoutMs } : {}),
  });
  return { status: res.status, ...(await consume(res.data, r.abortAfter, () => controller.abort())) };
}

async function gotRequest(r, agents) {
  const stream = got.stream(r.url, {
    method: r.method ?? 'GET',
    body: r.body,
    headers: r.body !== undefined ? { 'content-type': 'text/plain' } : {},
    agent: { http: agents.http, https: agents.https },
    retry: { limit: 0 },
    ...(r.timeoutMs !== undefined ? { timeout: { request: r.timeoutMs } } : {}),
    throwHttpErrors: false,
    ...(r.rejectUnauthorized !== undefined ? { https: { rejectUnauthorized: r.rejectUnauthorized } } : {}),
  });
  const status = new Promise((resolve, reject) => {
    stream.once('response', (res) => resolve(res.statusCode));
    stream.once('error', reject);
  });
  const [body, code] = await Promise.all([consume(stream, r.abortAfter, () => stream.destroy()), status]);
  return { status: code, ...body };
}

async function fetchRequest(r, agents) {
  const controller = new AbortController();
  const res = await fetch(r.url, {
    method: r.method ?? 'GET',
    body: r.body,
    headers: r.body !== undefined ? { 'content-type': 'text/plain' } : {},
    agent: (url) => (url.protocol === 'https:' ? agents.https : agents.http),
    signal: controller.signal,
  });
  return { status: res.status, ...(await consume(res.body, r.abortAfter, () => controller.abort())) };
}

const run = { https: nodeRequest, axios: axiosRequest, got: gotRequest, 'node-fetch': fetchRequest }[plan.client];

async function one(r) {
  try {
    return { url: r.url, ...(await run(r, sessions[r.session ?? 0])) };
  } catch (err) {
    const cause = err.cause ?? err.error;
    return { url: r.url, error: { name: err.name, code: err.code ?? null, message: err.message, causeCode: cause?.code ?? null } };
  }
}

const results = plan.concurrent ? await Promise.all(plan.requests.map(one)) : [];
if (!plan.concurrent) for (const r of plan.requests) results.push(await one(r));
const writtenOut = [];
for (const { session, path, w } of written) {
  try {
    const x = await w;
    writtenOut.push({ session, path, url: x.url, status: x.status, truncated: x.truncated ?? null, responseId: x.response.id, requestId: x.request.id });
  } catch (err) {
    writtenOut.push({ session, path, error: { code: err.code ?? null, message: err.message } });
  }
}
await client.close();
process.stdout.write(JSON.stringify({ results, written: writtenOut, stats: client.stats }));
