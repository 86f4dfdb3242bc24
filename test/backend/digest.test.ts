import { createHash } from 'node:crypto';
import { BackendError } from '../../src/backend/errors';
import { backendUnderTest, seededBytes } from '../helpers/backend-tools';

const backend = backendUnderTest();

// Known answers: SHA-1/SHA-256 test vectors (FIPS 180 "abc", empty input) in WARC label form.
const VECTORS: { input: string; sha1Base32: string; sha1Hex: string; sha256Hex: string; sha256Base32: string }[] = [
  {
    input: '',
    sha1Base32: '3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ',
    sha1Hex: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    sha256Hex: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    sha256Base32: '4OYMIQUY7QOBJGX36TEJS35ZEQT24QPEMSNZGTFESWMRW6CSXBKQ====',
  },
  {
    input: 'abc',
    sha1Base32: 'VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5',
    sha1Hex: 'a9993e364706816aba3e25717850c26c9cd0d89d',
    sha256Hex: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    sha256Base32: 'XJ4BNP4PAHH6UQKBIDPF3LRCEOYAGYNDSYLXVHFUCD7WD4QACWWQ====',
  },
];

describe(`digest (${backend.name} backend)`, () => {
  test('backend is the one WARCWIRE_BACKEND selects', () => {
    const wanted = process.env['WARCWIRE_BACKEND'];
    if (wanted) expect(backend.name).toBe(wanted);
    else expect(['native', 'js']).toContain(backend.name);
  });

  test.each(VECTORS)('labels for %j', (v) => {
    const sha1 = backend.createDigest('sha1');
    sha1.update(Buffer.from(v.input));
    expect(sha1.label()).toBe(`sha1:${v.sha1Base32}`);
    expect(sha1.label('base16')).toBe(`sha1:${v.sha1Hex}`);
    expect(sha1.digest().toString('hex')).toBe(v.sha1Hex);

    const sha256 = backend.createDigest('sha256');
    sha256.update(Buffer.from(v.input));
    expect(sha256.label()).toBe(`sha256:${v.sha256Hex}`);
    expect(sha256.label('base16')).toBe(`sha256:${v.sha256Hex}`);
    expect(sha256.label('base32')).toBe(`sha256:${v.sha256Base32}`);
  });

  test('empty input gives the well-known sha1 label', () => {
    expect(backend.createDigest('sha1').label()).toBe('sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ');
  });

  test.each(['sha1', 'sha256'] as const)('%s incremental equals one-shot and node:crypto', (algorithm) => {
    const data = seededBytes(300_001, 7);
    const oneShot = backend.createDigest(algorithm);
    oneShot.update(data);
    const incremental = backend.createDigest(algorithm);
    // Uneven chunk sizes, including empty and one-byte chunks.
    const sizes = [0, 1, 63, 64, 65, 4095, 65536, 1];
    let offset = 0;
    for (let i = 0; offset < data.length; i++) {
      const size = sizes[i % sizes.length]!;
      incremental.update(data.subarray(offset, offset + size));
      offset += size;
    }
    const expected = createHash(algorithm).update(data).digest();
    expect(oneShot.digest().equals(expected)).toBe(true);
    expect(incremental.digest().equals(expected)).toBe(true);
    expect(incremental.label('base32')).toBe(oneShot.label('base32'));
  });

  test('base32 padding for every input length mod 5', () => {
    // sha1 is 20 bytes (no padding); check the encoder through sha256 (32 bytes, 4 '=')
    // and against an independent encoding of the same digest.
    for (let n = 0; n < 10; n++) {
      const d = backend.createDigest('sha256');
      d.update(Buffer.alloc(n, n));
      const label = d.label('base32');
      expect(label).toMatch(/^sha256:[A-Z2-7]{52}====$/);
      expect(label).toBe(`sha256:${referenceBase32(createHash('sha256').update(Buffer.alloc(n, n)).digest())}`);
    }
  });

  test('unknown algorithm is a typed error', () => {
    expect(() => backend.createDigest('md5' as 'sha1')).toThrow(BackendError);
    try {
      backend.createDigest('md5' as 'sha1');
    } catch (err) {
      expect((err as BackendError).code).toBe('ERR_INVALID_OPTION');
    }
  });
});

/** Straightforward bit-string base32, independent of the implementation under test. */
function referenceBase32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out.padEnd(Math.ceil(out.length / 8) * 8, '=');
}
