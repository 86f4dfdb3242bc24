/** Bench statistics: one row per contender of alternating rounds, with the ratios to the baseline. */
import { rateRows } from '../../bench/stats';

describe('rateRows', () => {
  test('median, range, and for all but the baseline the ratio of medians and the ratio paired by round', () => {
    const rows = rateRows('s', ['a', 'base'], [[2, 9, 3], [1, 3, 2]], { unit: 'pages/s', digits: 1, baseline: { label: 'base', name: 'direct' }, caseOf: (label) => `case ${label}` });
    expect(rows).toEqual([
      // medians 3 and 2; by round 2/1, 9/3, 3/2 → median 2
      { section: 's', case: 'case a', metrics: { 'pages/s': 3, 'pages/s range': '2.0-9.0', 'vs direct': 1.5, 'vs direct, paired by round': 2 } },
      { section: 's', case: 'case base', metrics: { 'pages/s': 2, 'pages/s range': '1.0-3.0' } },
    ]);
  });
});
