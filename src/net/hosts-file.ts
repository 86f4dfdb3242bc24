import { readFileSync, statSync } from 'node:fs';
import * as net from 'node:net';

export interface HostsEntry {
  ipv4: string[];
  ipv6: string[];
}

/**
 * /etc/hosts, read lazily and read again when its mtime changes (checked at
 * most once a second). A missing or unreadable file is an empty table, as
 * for the C library.
 */
export class HostsFile {
  private table = new Map<string, HostsEntry>();
  private mtimeMs = -1;
  private checkedAt = -Infinity;

  constructor(private readonly path = '/etc/hosts') {}

  lookup(host: string): HostsEntry | undefined {
    this.refresh();
    return this.table.get(normalise(host));
  }

  private refresh(): void {
    const now = Date.now();
    if (now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    let mtimeMs: number;
    let text: string;
    try {
      mtimeMs = statSync(this.path).mtimeMs;
      if (mtimeMs === this.mtimeMs) return;
      text = readFileSync(this.path, 'utf8');
    } catch {
      this.table = new Map();
      this.mtimeMs = -1;
      return;
    }
    this.mtimeMs = mtimeMs;
    this.table = parseHosts(text);
  }
}

export function parseHosts(text: string): Map<string, HostsEntry> {
  const table = new Map<string, HostsEntry>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [address, ...names] = line.split(/\s+/);
    const family = net.isIP(address!.split('%')[0]!);
    if (family === 0) continue;
    for (const name of names) {
      const key = normalise(name);
      let entry = table.get(key);
      if (!entry) {
        entry = { ipv4: [], ipv6: [] };
        table.set(key, entry);
      }
      const list = family === 4 ? entry.ipv4 : entry.ipv6;
      if (!list.includes(address!)) list.push(address!);
    }
  }
  return table;
}

/** Nameservers listed in a resolv.conf text. */
export function parseResolvConf(text: string): string[] {
  const servers: string[] = [];
  for (const raw of text.split('\n')) {
    const match = /^\s*nameserver\s+(\S+)/.exec(raw);
    if (match && net.isIP(match[1]!.split('%')[0]!) !== 0) servers.push(match[1]!);
  }
  return servers;
}

export function readResolvConf(path = '/etc/resolv.conf'): string[] {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

function normalise(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
