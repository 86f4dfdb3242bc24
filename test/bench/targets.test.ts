/** Bench targets: the measured value against its goal, met or MISS, or why it was not measured. */
import { isTargetRow, ratioOf, targetRow } from '../../bench/targets';

describe('bench targets', () => {
  test('at least, at most and below', () => {
    const result = (value: number, comparison: '>=' | '<=' | '<', goal: number) => targetRow('s', 'x', value, comparison, goal).metrics['result'];
    expect([result(0.85, '>=', 0.85), result(0.84, '>=', 0.85)]).toEqual(['met', 'MISS']);
    expect([result(1.01, '<=', 1.01), result(1.02, '<=', 1.01), result(0.9, '<=', 1.01)]).toEqual(['met', 'MISS', 'met']);
    expect([result(19.9, '<', 20), result(20, '<', 20)]).toEqual(['met', 'MISS']);
  });

  test('the row carries value and goal; one not measured says why, never met', () => {
    const row = targetRow('client', '16k native / floor', 0.31, '>=', 0.85);
    expect(row).toEqual({ section: 'client', case: 'target: 16k native / floor', metrics: { value: 0.31, goal: '>= 0.85', result: 'MISS' } });
    expect(isTargetRow(row)).toBe(true);
    expect(isTargetRow({ section: 'client', case: '16k floor', metrics: {} })).toBe(false);
    const unmeasured = targetRow('backend', 'size', ratioOf(undefined, 2), '<=', 1.01, 'not measured (nodejs-doc not installed)');
    expect(unmeasured.metrics).toEqual({ value: 'n/a', goal: '<= 1.01', result: 'not measured (nodejs-doc not installed)' });
    expect(targetRow('s', 'x', ratioOf(3, 0), '>=', 1).metrics['result']).toBe('not measured');
  });
});
