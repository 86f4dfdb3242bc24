import { newRecordId, type WarcRecord } from '../warc/record';
import type { DnsCapture } from './dns-types';

/**
 * The WARC `resource` record of one archived DNS resolution, as Heritrix and
 * gowarc write it: WARC-Target-URI `dns:<host>`, Content-Type `text/dns`,
 * WARC-Date the time of the answer, WARC-IP-Address the server that answered,
 * the zone-text block as content. Give it
 * to the writer from `DialerOptions.onDnsRecord`.
 */
export function dnsResourceRecord(capture: DnsCapture): WarcRecord {
  return {
    type: 'resource',
    id: newRecordId(),
    date: capture.date,
    targetUri: `dns:${capture.host}`,
    contentType: 'text/dns',
    // Heritrix writes the address of the DNS server that answered.
    ...(capture.serverAddress !== undefined ? { fields: [['WARC-IP-Address', capture.serverAddress] as const] } : {}),
    block: Buffer.from(capture.block, 'utf8'),
  };
}
