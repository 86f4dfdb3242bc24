import { WarcError } from '../../src/warc/errors';
import { insertKnownField, recordFields, serializeHeader } from '../../src/warc/header';
import { newRecordId, type WarcRecord } from '../../src/warc/record';

const base = (over: Partial<WarcRecord>): WarcRecord => ({
  type: 'resource',
  id: newRecordId(),
  date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)),
  targetUri: 'http://example.com/',
  contentType: 'text/plain',
  block: Buffer.from('hello'),
  ...over,
});

function invalidField(record: WarcRecord): string | undefined {
  try {
    recordFields(record);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(WarcError);
    expect((err as WarcError).code).toBe('ERR_WARC_INVALID_RECORD');
    return (err as WarcError).field;
  }
}

describe('record header', () => {
  test('deterministic order, CRLF, millisecond UTC date, Content-Length last', () => {
    const id = newRecordId();
    const fields = recordFields(
      base({
        type: 'response',
        id,
        contentType: 'application/http; msgtype=response',
        fields: [
          ['X-Custom', 'a'],
          ['WARC-Payload-Digest', 'sha1:AAAA'],
          ['WARC-IP-Address', '127.0.0.1'],
          ['WARC-Concurrent-To', '<urn:uuid:1>'],
          ['WARC-Concurrent-To', '<urn:uuid:2>'],
          ['WARC-Block-Digest', 'sha1:BBBB'],
        ],
      }),
    );
    expect(fields.map(([n]) => n)).toEqual([
      'WARC-Type',
      'WARC-Record-ID',
      'WARC-Date',
      'WARC-Target-URI',
      'WARC-Concurrent-To',
      'WARC-Concurrent-To',
      'WARC-IP-Address',
      'WARC-Block-Digest',
      'WARC-Payload-Digest',
      'X-Custom',
      'Content-Type',
      'Content-Length',
    ]);
    expect(fields[2][1]).toBe('2024-01-02T03:04:05.006Z');
    expect(fields[4][1]).toBe('<urn:uuid:1>');
    expect(fields[5][1]).toBe('<urn:uuid:2>');
    expect(fields[fields.length - 1][1]).toBe('5');
    const text = serializeHeader(fields).toString();
    expect(text.startsWith('WARC/1.1\r\nWARC-Type: response\r\n')).toBe(true);
    expect(text.endsWith('Content-Length: 5\r\n\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  test('record ids are urn:uuid in angle brackets and unique', () => {
    const a = newRecordId();
    expect(a).toMatch(/^<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}>$/);
    expect(newRecordId()).not.toBe(a);
  });

  test('a string date is written as given', () => {
    expect(recordFields(base({ date: '2024-01-02T03:04:05Z' }))[2][1]).toBe('2024-01-02T03:04:05Z');
  });

  test('every record type with its mandatory fields passes', () => {
    const seg: Array<[string, string]> = [
      ['WARC-Segment-Origin-ID', newRecordId()],
      ['WARC-Segment-Number', '2'],
    ];
    for (const record of [
      base({ type: 'warcinfo', targetUri: undefined, contentType: 'application/warc-fields' }),
      base({ type: 'response' }),
      base({ type: 'resource' }),
      base({ type: 'request' }),
      base({ type: 'metadata', targetUri: undefined }),
      base({ type: 'revisit', fields: [['WARC-Profile', 'http://netpreserve.org/warc/1.1/revisit/identical-payload-digest']] }),
      base({ type: 'conversion' }),
      base({ type: 'continuation', contentType: undefined, fields: seg }),
    ]) {
      expect(invalidField(record)).toBeUndefined();
    }
  });

  test('invalid records name the field at fault', () => {
    expect(invalidField(base({ type: 'warcinfo' }))).toBe('WARC-Target-URI');
    expect(invalidField(base({ type: 'response', targetUri: undefined }))).toBe('WARC-Target-URI');
    expect(invalidField(base({ type: 'revisit' }))).toBe('WARC-Profile');
    expect(invalidField(base({ type: 'continuation', fields: [['WARC-Segment-Number', '2']] }))).toBe('WARC-Segment-Origin-ID');
    expect(invalidField(base({ type: 'bogus' as never }))).toBe('WARC-Type');
    expect(invalidField(base({ id: 'urn:uuid:no-brackets' }))).toBe('WARC-Record-ID');
    expect(invalidField(base({ date: 'yesterday' }))).toBe('WARC-Date');
    expect(invalidField(base({ date: new Date(NaN) }))).toBe('WARC-Date');
    expect(invalidField(base({ targetUri: 'http://x/\r\nWARC-Type: evil' }))).toBe('WARC-Target-URI');
    expect(invalidField(base({ contentType: 'text/plain\0' }))).toBe('Content-Type');
    expect(invalidField(base({ fields: [['WARC-IP-Address', '1.2.3.4\n']] }))).toBe('WARC-IP-Address');
    expect(invalidField(base({ fields: [['WARC-IP-Address', 'a'], ['warc-ip-address', 'b']] }))).toBe('warc-ip-address');
    expect(invalidField(base({ fields: [['WARC-Target-URI', 'http://other/']] }))).toBe('WARC-Target-URI');
    expect(invalidField(base({ fields: [['Content-Length', '3']] }))).toBe('Content-Length');
    expect(invalidField(base({ fields: [['Bad Name', 'x']] }))).toBe('"Bad Name"');
  });

  test('a block digest added later takes its place in the order', () => {
    const fields = recordFields(base({ type: 'response', fields: [['X-Custom', 'a'], ['WARC-Payload-Digest', 'sha1:P'], ['WARC-IP-Address', '1.2.3.4']] }));
    const withDigest = insertKnownField(fields, 'WARC-Block-Digest', 'sha1:B');
    expect(withDigest.map(([n]) => n)).toEqual([
      'WARC-Type',
      'WARC-Record-ID',
      'WARC-Date',
      'WARC-Target-URI',
      'WARC-IP-Address',
      'WARC-Block-Digest',
      'WARC-Payload-Digest',
      'X-Custom',
      'Content-Type',
      'Content-Length',
    ]);
    const bare = insertKnownField(recordFields(base({ type: 'metadata', targetUri: undefined, contentType: undefined })), 'WARC-Block-Digest', 'sha1:B');
    expect(bare.map(([n]) => n)).toEqual(['WARC-Type', 'WARC-Record-ID', 'WARC-Date', 'WARC-Block-Digest', 'Content-Length']);
  });

  test('Content-Type and Target-URI may come through fields', () => {
    const fields = recordFields(base({ contentType: undefined, targetUri: undefined, fields: [['Content-Type', 'text/x'], ['WARC-Target-URI', 'http://a/']] }));
    expect(fields[3]).toEqual(['WARC-Target-URI', 'http://a/']);
    expect(fields[fields.length - 2]).toEqual(['Content-Type', 'text/x']);
  });
});
