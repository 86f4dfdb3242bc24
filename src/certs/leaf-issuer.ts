/**
 * Issues leaf certificates under a CA, one per host, and keeps a TLS context
 * for each: an LRU of bounded size holding the issuance's promise, so callers
 * asking for a host at once share one issuance. Every leaf carries one EC
 * P-256 key made by this issuer on first use: a signature per host, no key
 * generation per host.
 */
import { generateKeyPair } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { promisify } from 'node:util';
import { CertificateAuthority } from './certificate-authority';
import { signLeafCertificate, subjectKey, type SubjectKey } from './certificate-builder';
import { CertificateError } from './errors';
import { leafHost, type LeafHost } from './leaf-host';
import { Turns } from './turns';

export interface LeafIssuerOptions {
  /** Hosts whose context is kept (least recently used dropped first). Default 10000. */
  maxCached?: number;
}

/** A leaf as issued: its PEM and a TLS context serving it with the CA behind it. */
interface IssuedLeaf {
  certPem: string;
  context: SecureContext;
  /**
   * When to issue anew: a day before the leaf ends; when the CA ends with it
   * (a new leaf could end no later), at its end, where issuing fails with
   * ERR_CA_INVALID rather than serving an expired leaf.
   */
  renewAt: number;
}

/** A cache entry: the issuance, and once it is done the time its leaf should be replaced. */
interface CachedLeaf {
  leaf: Promise<IssuedLeaf>;
  renewAt?: number;
}

interface LeafKey {
  pem: string;
  subject: SubjectKey;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Leaf lifetime: a year, under the 398 days browsers accept. */
const LEAF_DAYS = 365;
export const DEFAULT_MAX_CACHED_LEAVES = 10_000;
/** A cached leaf is replaced this long before it ends (a proxy may run for a year). */
const RENEW_BEFORE_MS = DAY_MS;

export class LeafIssuer {
  private readonly ca: CertificateAuthority;
  private readonly maxCached: number;
  /** Host → its leaf, in least-recently-used order (Map keeps insertion order). */
  private readonly leaves = new Map<string, CachedLeaf>();
  private key: Promise<LeafKey> | undefined;
  private count = 0;
  /** The synchronous steps of issuances (encoding, context building) take one turn each. */
  private readonly turns = new Turns();

  constructor(ca: CertificateAuthority, options: LeafIssuerOptions = {}) {
    // Else the first issuance fails with a TypeError, far from the mistake.
    if (!(ca instanceof CertificateAuthority)) {
      throw new CertificateError('ERR_ISSUER_OPTIONS', 'a LeafIssuer needs a CertificateAuthority (from loadCertificateAuthority)');
    }
    const maxCached = options.maxCached ?? DEFAULT_MAX_CACHED_LEAVES;
    if (!Number.isSafeInteger(maxCached) || maxCached < 1) {
      throw new CertificateError('ERR_ISSUER_OPTIONS', `maxCached must be a whole number of hosts, at least 1 (got ${String(maxCached)})`);
    }
    this.ca = ca;
    this.maxCached = maxCached;
  }

  /** Leaf certificates issued so far (a host asked for again, or at once, is issued once while it stays cached). */
  get issued(): number {
    return this.count;
  }

  /**
   * A TLS context serving `host`'s leaf followed by the CA certificate. `host`
   * is a DNS name or an IP literal (v4 or v6, brackets allowed); a bad one
   * rejects with ERR_LEAF_HOST.
   */
  async secureContext(host: string): Promise<SecureContext> {
    return (await this.leaf(host)).context;
  }

  /** PEM of `host`'s leaf certificate (the same leaf `secureContext` serves). */
  async certificatePem(host: string): Promise<string> {
    return (await this.leaf(host)).certPem;
  }

  private leaf(host: string): Promise<IssuedLeaf> {
    let parsed: LeafHost;
    try {
      parsed = leafHost(host);
    } catch (err) {
      return Promise.reject(err);
    }
    const { name } = parsed;
    const cached = this.leaves.get(name);
    this.leaves.delete(name);
    if (cached && !(cached.renewAt !== undefined && Date.now() >= cached.renewAt)) {
      this.leaves.set(name, cached); // now the most recently used
      return cached.leaf;
    }
    const entry: CachedLeaf = { leaf: this.issue(parsed) };
    this.leaves.set(name, entry);
    entry.leaf.then(
      (leaf) => {
        entry.renewAt = leaf.renewAt;
      },
      // A failed issuance is not kept: the next request tries again.
      () => {
        if (this.leaves.get(name) === entry) this.leaves.delete(name);
      },
    );
    for (const oldest of this.leaves.keys()) {
      if (this.leaves.size <= this.maxCached) break;
      this.leaves.delete(oldest);
    }
    return entry.leaf;
  }

  private async issue(host: LeafHost): Promise<IssuedLeaf> {
    const key = await this.leafKey();
    const { issuer, signer, notBefore: caNotBefore } = this.ca.issuance;
    const now = Date.now();
    const notBefore = new Date(Math.max(now - DAY_MS, caNotBefore.getTime()));
    const notAfter = new Date(Math.min(now + LEAF_DAYS * DAY_MS, this.ca.notAfter.getTime()));
    if (notAfter.getTime() <= now) {
      throw new CertificateError('ERR_CA_INVALID', `the CA certificate ${this.ca.certFile} expired on ${this.ca.notAfter.toISOString()}`);
    }
    await this.turns.next();
    const certPem = await signLeafCertificate({ host, key: key.subject, issuer, signer, validity: { notBefore, notAfter } });
    this.count++;
    await this.turns.next();
    const context = createSecureContext({ key: key.pem, cert: certPem + this.ca.certPem });
    return { certPem, context, renewAt: notAfter.getTime() - (notAfter < this.ca.notAfter ? RENEW_BEFORE_MS : 0) };
  }

  private leafKey(): Promise<LeafKey> {
    this.key ??= promisify(generateKeyPair)('ec', { namedCurve: 'P-256' }).then(({ privateKey, publicKey }) => ({
      pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      subject: subjectKey(publicKey.export({ type: 'spki', format: 'der' })),
    }));
    return this.key;
  }
}
