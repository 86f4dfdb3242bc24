import type { Answer } from 'dns-packet';

/** 14-digit UTC timestamp (yyyyMMddHHmmss), the first line of a DNS record block. */
export function timestamp14(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * One resource record in zone-file text: `name.<TAB>ttl<TAB>IN<TAB>type<TAB>rdata`,
 * the presentation Heritrix (dnsjava) and gowarc (miekg/dns) archive.
 * Record types we do not ask for are rendered generically (RFC 3597 `\#`).
 */
export function zoneLine(answer: Answer): string {
  const name = answer.name.endsWith('.') ? answer.name : `${answer.name}.`;
  const ttl = 'ttl' in answer && answer.ttl !== undefined ? answer.ttl : 0;
  return `${name}\t${ttl}\tIN\t${answer.type}\t${rdata(answer)}`;
}

function rdata(answer: Answer): string {
  switch (answer.type) {
    case 'A':
    case 'AAAA':
      return answer.data;
    case 'CNAME':
    case 'DNAME':
    case 'NS':
    case 'PTR':
      return answer.data.endsWith('.') ? answer.data : `${answer.data}.`;
    case 'SOA': {
      const d = answer.data;
      const fqdn = (s: string): string => (s.endsWith('.') ? s : `${s}.`);
      return `${fqdn(d.mname)} ${fqdn(d.rname)} ${d.serial ?? 0} ${d.refresh ?? 0} ${d.retry ?? 0} ${d.expire ?? 0} ${d.minimum ?? 0}`;
    }
    default: {
      const data = 'data' in answer && Buffer.isBuffer(answer.data) ? answer.data : Buffer.alloc(0);
      return `\\# ${data.length}${data.length ? ` ${data.toString('hex')}` : ''}`;
    }
  }
}

/**
 * The whole `text/dns` block: timestamp line, then one line per record. For an
 * rcode other than NOERROR a zone-file comment (`; rcode NXDOMAIN`, ignored by
 * zone parsers) says why the answer has no addresses.
 */
export function dnsBlock(date: Date, records: readonly Answer[], rcode = 'NOERROR'): string {
  const comment = rcode === 'NOERROR' ? [] : [`; rcode ${rcode}`];
  return [timestamp14(date), ...comment, ...records.map(zoneLine)].join('\n') + '\n';
}
