import { createHash } from 'node:crypto';
import { base32Decode, base32Encode } from '../../src/digest/base32';
import { decodeDigestLabel, digestMatches, formatDigestLabel, parseDigestLabel } from '../../src/digest/label';
import { isEmptyPayloadDigest } from '../../src/dedupe/candidate';

// RFC 4648 §10 test vectors.
const VECTORS: Array<[string, string]> = [
  ['', ''],
  ['f', 'MY======'],
  ['fo', 'MZXQ===='],
  ['foo', 'MZXW6==='],
  ['foob', 'MZXW6YQ='],
  ['fooba', 'MZXW6YTB'],
  ['foobar', 'MZXW6YTBOI======'],
];

describe('base32', () => {
  test.each(VECTORS)('%j encodes to %j and back', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain))).toBe(encoded);
    expect(base32Encode(Buffer.from(plain), false)).toBe(encoded.replace(/=+$/, ''));
    expect(base32Decode(encoded)?.toString()).toBe(plain);
    expect(base32Decode(encoded.toLowerCase().replace(/=+$/, ''))?.toString()).toBe(plain);
  });

  test('a long input round-trips (no overflow of the bit buffer)', () => {
    const bytes = createHash('sha512').update('x').digest();
    expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
  });

  test('a character outside the alphabet is refused', () => {
    expect(base32Decode('MZXW1===')).toBeUndefined();
  });
});

describe('digest labels', () => {
  const digest = createHash('sha1').update('payload').digest();

  test('what the writer formats, the reader and dedupe parse back', () => {
    for (const encoding of ['base32', 'base16'] as const) {
      const label = formatDigestLabel('sha1', digest, encoding);
      expect(parseDigestLabel(label)).toEqual({ algorithm: 'sha1', value: label.slice(5) });
      expect(digestMatches(decodeDigestLabel(label)!, digest)).toBe(true);
    }
    expect(formatDigestLabel('sha256', createHash('sha256').digest(), 'base16')).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  test('names are case-insensitive and spaces around the parts are ignored', () => {
    expect(parseDigestLabel(' SHA1 : ABC ')).toEqual({ algorithm: 'sha1', value: 'ABC' });
    expect(parseDigestLabel('ABCDEF')).toBeUndefined();
    expect(parseDigestLabel(':ABC')).toBeUndefined();
  });

  test('base64 and url-safe base64 values decode; an unknown algorithm does not', () => {
    expect(digestMatches(decodeDigestLabel(`sha1:${digest.toString('base64')}`)!, digest)).toBe(true);
    expect(digestMatches(decodeDigestLabel(`sha-1:${digest.toString('base64url')}`)!, digest)).toBe(true);
    expect(decodeDigestLabel(`whirlpool:${digest.toString('hex')}`)).toBeUndefined();
    expect(decodeDigestLabel('sha1:not a digest')?.candidates).toEqual([]);
  });

  // Dedupe used a parser of its own that took only lower-case names: an upper-case label of
  // the empty payload was not recognised as empty.
  test('dedupe recognises the empty payload however the label is spelled', () => {
    const empty = createHash('sha1').digest();
    expect(isEmptyPayloadDigest(`SHA1:${base32Encode(empty)}`)).toBe(true);
    expect(isEmptyPayloadDigest(`sha1:${empty.toString('hex')}`)).toBe(true);
    expect(isEmptyPayloadDigest(`sha256:${base32Encode(createHash('sha256').digest())}`)).toBe(true);
    expect(isEmptyPayloadDigest(formatDigestLabel('sha1', digest, 'base32'))).toBe(false);
  });
});
