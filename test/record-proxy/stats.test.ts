/** The recording proxy's counters on their own: scopes, and the bound on client-chosen tags. */
import { MAX_COUNTED_TAGS, OTHER_TAGS, RecordingStats } from '../../src/record-proxy/stats';

const clients = { pending: 0, active: 0 };

test('an exchange counts once in every scope it belongs to', () => {
  const stats = new RecordingStats();
  stats.exchangeEnded({ prefix: 'a', tags: ['x', 'y'] }, { kind: 'recorded', revisit: true }, { up: 3, down: 10 });
  stats.exchangeEnded({ prefix: '', tags: ['x'] }, { kind: 'failed' }, { up: 0, down: 0 });
  stats.exchangeEnded({ prefix: '', tags: [] }, { kind: 'discarded' }, { up: 1, down: 2 });
  const s = stats.snapshot(clients, 4);
  expect(s.exchanges).toEqual({ recorded: 1, revisits: 1, failed: 1, discarded: 1, bytes: { up: 4, down: 12 } });
  expect(s.prefixes).toEqual({
    a: { recorded: 1, revisits: 1, failed: 0, discarded: 0, bytes: { up: 3, down: 10 } },
    '': { recorded: 0, revisits: 0, failed: 1, discarded: 1, bytes: { up: 1, down: 2 } },
  });
  expect(s.tags.x).toMatchObject({ recorded: 1, failed: 1 });
  expect(s.tags.y).toMatchObject({ recorded: 1, failed: 0 });
  expect(s.certificatesIssued).toBe(4);
});

test(`past ${MAX_COUNTED_TAGS} distinct tags, new ones are counted together under ${OTHER_TAGS}`, () => {
  const stats = new RecordingStats();
  for (let i = 0; i < MAX_COUNTED_TAGS + 50; i++) {
    stats.exchangeEnded({ prefix: '', tags: [`t${i}`, 't0'] }, { kind: 'recorded', revisit: false }, { up: 0, down: 1 });
  }
  const tags = stats.snapshot(clients, 0).tags;
  expect(Object.keys(tags)).toHaveLength(MAX_COUNTED_TAGS + 1);
  expect(tags[OTHER_TAGS]).toMatchObject({ recorded: 50, bytes: { down: 50 } });
  // A tag already counted keeps its own entry (t0 is in every exchange; counted once per exchange).
  expect(tags.t0).toMatchObject({ recorded: MAX_COUNTED_TAGS + 50 });
  expect(tags[`t${MAX_COUNTED_TAGS + 10}`]).toBeUndefined();
});

test(`past ${MAX_COUNTED_TAGS} distinct warcPrefix values (jobs come and go on a long-running proxy), new ones are counted together under ${OTHER_TAGS}`, () => {
  const stats = new RecordingStats();
  for (let i = 0; i < MAX_COUNTED_TAGS + 20; i++) {
    stats.exchangeEnded({ prefix: `job-${i}`, tags: [] }, { kind: 'recorded', revisit: false }, { up: 0, down: 1 });
  }
  const prefixes = stats.snapshot(clients, 0).prefixes;
  expect(Object.keys(prefixes)).toHaveLength(MAX_COUNTED_TAGS + 1);
  expect(prefixes[OTHER_TAGS]).toMatchObject({ recorded: 20, bytes: { down: 20 } });
  expect(prefixes['job-0']).toMatchObject({ recorded: 1 });
});
