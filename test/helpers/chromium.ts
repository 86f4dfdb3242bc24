/**
 * Debian's Chromium (.ci/apt/browser.txt) driven by playwright-core, never a
 * downloaded browser: a fresh profile per launch, an optional proxy, and trust
 * given by SPKI hash (--ignore-certificate-errors-spki-list) for exactly the
 * keys a test names — not ignoreHTTPSErrors, which would hide certificate
 * problems. Every request the browser reports (all frames, iframes of other
 * origins included) is collected with its outcome.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The switches every launch uses (playwright-core adds most of them too; naming them keeps them when it does not). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Names Chromium's own services call (update checks, account lookups: Debian's
 * build makes them despite --disable-background-networking). A proxied launch
 * sends them around the proxy, where OFFLINE_RESOLVER fails them.
 */
const CHROMIUM_SERVICES = ['*.google.com', '*.googleapis.com', '*.gstatic.com', '*.gvt1.com', '*.gvt2.com'];

/** Appended to every launch's --host-resolver-rules: Chromium itself resolves no name a test did not map, so it never reaches the internet. */
const OFFLINE_RESOLVER = 'MAP * ~NOTFOUND, EXCLUDE 127.0.0.1';

/** Why browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is absent: install the packages of .ci/apt/browser.txt to run the browser tests`;
}

/** Chromium's form of a certificate's key: base64 of SHA-256 over the DER SubjectPublicKeyInfo. */
export function spkiSha256(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

export interface ChromiumSettings {
  /** SPKI hashes (spkiSha256) of the only keys trusted beyond the system store. */
  trust?: string[];
  /** --host-resolver-rules, e.g. 'MAP site.test 127.0.0.1' (for loads without a proxy; any other name fails). */
  hostResolverRules?: string;
}

function chromiumArgs(settings: ChromiumSettings): string[] {
  const args = [...CHROMIUM_FLAGS, `--host-resolver-rules=${[settings.hostResolverRules, OFFLINE_RESOLVER].filter(Boolean).join(', ')}`];
  if (settings.trust?.length) args.push(`--ignore-certificate-errors-spki-list=${settings.trust.join(',')}`);
  return args;
}

/** One request as the browser reported it. */
export interface BrowserRequest {
  url: string;
  method: string;
  resourceType: string;
  /** The URL of the frame that made it ('' for a worker or a frame already gone). */
  frameUrl: string;
  /** The request whose redirect this is. */
  redirectedFrom?: string;
  outcome: 'pending' | 'finished' | 'failed';
  failure?: string;
}

export interface LaunchedChromium {
  context: BrowserContext;
  /** Every http(s) request the browser reported, in order. */
  requests: BrowserRequest[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export interface LaunchSettings extends ChromiumSettings {
  /** e.g. 'http://127.0.0.1:8000' */
  proxy?: string;
}

function frameUrlOf(request: Request): string {
  try {
    return request.frame().url();
  } catch {
    return ''; // a service worker's request has no frame
  }
}

export async function launchChromium(settings: LaunchSettings = {}): Promise<LaunchedChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'warcwire-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: chromiumArgs(settings),
      ...(settings.proxy ? { proxy: { server: settings.proxy, bypass: CHROMIUM_SERVICES.join(',') } } : {}),
      viewport: { width: 800, height: 600 },
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const requests: BrowserRequest[] = [];
  const seen = new Map<Request, BrowserRequest>();
  context.on('request', (request) => {
    if (!/^https?:/.test(request.url())) return;
    const entry: BrowserRequest = { url: request.url(), method: request.method(), resourceType: request.resourceType(), frameUrl: frameUrlOf(request), outcome: 'pending' };
    const from = request.redirectedFrom();
    if (from) entry.redirectedFrom = from.url();
    seen.set(request, entry);
    requests.push(entry);
  });
  context.on('requestfinished', (request) => {
    const entry = seen.get(request);
    if (entry) entry.outcome = 'finished';
  });
  context.on('requestfailed', (request) => {
    const entry = seen.get(request);
    if (!entry) return;
    entry.outcome = 'failed';
    entry.failure = request.failure()?.errorText ?? 'unknown';
  });
  return {
    context,
    requests,
    newPage: () => context.newPage(),
    close: async () => {
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}
