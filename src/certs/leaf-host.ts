/**
 * The host a leaf certificate is issued for, normalised so that one host is
 * one cache entry: lower case, no trailing dot, IPv6 without brackets and in
 * its shortest form, non-ASCII names in their ASCII (punycode) form.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { ipv6Bytes } from '../net/local-address';
import { CertificateError } from './errors';

export type LeafHost = { kind: 'dns'; name: string } | { kind: 'ip'; name: string; bytes: Uint8Array };

const MAX_NAME = 253;
// Letters, digits, hyphen, and underscore (seen in real host names), 1 to 63 per label.
const LABEL = /^[a-z0-9_-]{1,63}$/;

export function leafHost(input: string): LeafHost {
  const bad = (why: string): CertificateError =>
    new CertificateError('ERR_LEAF_HOST', `cannot issue a certificate for host ${JSON.stringify(input)}: ${why}`);
  if (typeof input !== 'string') throw bad('not a string');
  const bracketed = input.startsWith('[') && input.endsWith(']');
  let host = (bracketed ? input.slice(1, -1) : input).toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.includes('%')) throw bad('an IPv6 zone cannot be in a certificate');
  if (bracketed && !isIPv6(host)) throw bad('brackets hold an IPv6 address only');
  if (isIPv4(host)) return { kind: 'ip', name: host, bytes: Uint8Array.from(host.split('.'), Number) };
  if (isIPv6(host)) {
    const bytes = ipv6Bytes(host);
    return { kind: 'ip', name: new URL(`http://[${host}]/`).hostname.slice(1, -1), bytes };
  }
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(host)) host = domainToASCII(host);
  if (host === '') throw bad(input === '' ? 'empty' : 'not a valid host name');
  if (host.length > MAX_NAME) throw bad(`longer than ${MAX_NAME} characters`);
  const labels = host.split('.');
  const label = labels.find((l) => !LABEL.test(l));
  if (label !== undefined) {
    throw bad(label === '' ? 'an empty label' : label.length > 63 ? 'a label longer than 63 characters' : `label ${JSON.stringify(label)} has characters a host name cannot have`);
  }
  // A browser reads a name ending in a number as an IPv4 address (WHATWG URL), so no leaf for it could match.
  if (/^(\d+|0x[0-9a-f]*)$/.test(labels[labels.length - 1]!)) throw bad('not an IPv4 address, yet it ends in a number');
  return { kind: 'dns', name: host };
}
