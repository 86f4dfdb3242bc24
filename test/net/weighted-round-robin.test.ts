import { NetError } from '../../src/net/errors';
import { SmoothWeightedRoundRobin } from '../../src/net/weighted-round-robin';

describe('SmoothWeightedRoundRobin', () => {
  it('gives the nginx smooth sequence for 5:1:1', () => {
    const wrr = new SmoothWeightedRoundRobin([
      { item: 'a', weight: 5 },
      { item: 'b', weight: 1 },
      { item: 'c', weight: 1 },
    ]);
    const picks = Array.from({ length: 7 }, () => wrr.pick());
    expect(picks).toEqual(['a', 'a', 'b', 'a', 'c', 'a', 'a']);
  });

  it('alternates equal weights with no runs', () => {
    const wrr = new SmoothWeightedRoundRobin([{ item: 1 }, { item: 2 }, { item: 3 }]);
    const picks = Array.from({ length: 9 }, () => wrr.pick());
    expect(picks).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
  });

  it('splits 1:3 as 25%/75% over 4000 picks, never two of the light one in a row', () => {
    const wrr = new SmoothWeightedRoundRobin([
      { item: 'light', weight: 1 },
      { item: 'heavy', weight: 3 },
    ]);
    const counts = { light: 0, heavy: 0 };
    let previous: string | undefined;
    for (let i = 0; i < 4000; i++) {
      const item = wrr.pick() as 'light' | 'heavy';
      counts[item] += 1;
      if (item === 'light') expect(previous).not.toBe('light');
      previous = item;
    }
    expect(Math.abs(counts.light / 4000 - 0.25)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(counts.heavy / 4000 - 0.75)).toBeLessThanOrEqual(0.02);
  });

  it('honours the eligibility filter and returns undefined when nothing is eligible', () => {
    const wrr = new SmoothWeightedRoundRobin([{ item: 'a' }, { item: 'b' }, { item: 'c' }]);
    const picks = Array.from({ length: 4 }, () => wrr.pick((item) => item !== 'b'));
    expect(picks).not.toContain('b');
    expect(new Set(picks)).toEqual(new Set(['a', 'c']));
    expect(wrr.pick(() => false)).toBeUndefined();
    expect(new SmoothWeightedRoundRobin<string>().pick()).toBeUndefined();
  });

  it('adds, removes, re-weights and replaces items', () => {
    const wrr = new SmoothWeightedRoundRobin<string>();
    wrr.add('a');
    wrr.add('b', 2);
    expect(wrr.size).toBe(2);
    wrr.add('a', 4); // re-weight, not a duplicate
    expect(wrr.size).toBe(2);
    expect(wrr.weightOf('a')).toBe(4);
    expect(wrr.remove('a')).toBe(true);
    expect(wrr.remove('a')).toBe(false);
    expect(Array.from({ length: 3 }, () => wrr.pick())).toEqual(['b', 'b', 'b']);
    wrr.replace([{ item: 'x' }, { item: 'y' }, { item: 'x' }]);
    expect(wrr.items()).toEqual(['x', 'y']);
  });

  it('rejects weights that are not positive numbers', () => {
    const wrr = new SmoothWeightedRoundRobin<string>();
    expect(() => wrr.add('a', 0)).toThrow(NetError);
    expect(() => wrr.add('a', -1)).toThrow(/positive/);
    expect(() => wrr.add('a', Number.NaN)).toThrow(NetError);
  });
});
