import { Cooldown } from '../../src/net/cooldown';
import { NetError } from '../../src/net/errors';

describe('Cooldown', () => {
  it('rests after N consecutive failures, doubling while failures continue, capped', () => {
    let now = 1_000_000;
    const cooldown = new Cooldown<string>({ failureThreshold: 3, baseMs: 1000, maxMs: 5000, now: () => now });
    expect(cooldown.recordFailure('p')).toBe(0);
    expect(cooldown.recordFailure('p')).toBe(0);
    expect(cooldown.isResting('p')).toBe(false);
    expect(cooldown.recordFailure('p')).toBe(1000);
    expect(cooldown.isResting('p')).toBe(true);
    expect(cooldown.restingUntil('p')).toBe(now + 1000);
    now += 1000;
    expect(cooldown.isResting('p')).toBe(false); // rest over: one trial allowed
    expect(cooldown.recordFailure('p')).toBe(2000);
    now += 2000;
    expect(cooldown.recordFailure('p')).toBe(4000);
    now += 4000;
    expect(cooldown.recordFailure('p')).toBe(5000); // capped
    expect(cooldown.consecutiveFailures('p')).toBe(6);
  });

  it('comes back on success and forgets the count', () => {
    let now = 0;
    const cooldown = new Cooldown<string>({ failureThreshold: 1, baseMs: 100, now: () => now });
    cooldown.recordFailure('p');
    expect(cooldown.isResting('p')).toBe(true);
    cooldown.recordSuccess('p');
    expect(cooldown.isResting('p')).toBe(false);
    expect(cooldown.consecutiveFailures('p')).toBe(0);
    expect(cooldown.recordFailure('p')).toBe(100); // starts over at the base rest
    now += 50;
    expect(cooldown.isResting('other')).toBe(false);
  });

  it('interleaved successes keep an item in service', () => {
    const cooldown = new Cooldown<string>({ failureThreshold: 2, baseMs: 100, now: () => 0 });
    for (let i = 0; i < 10; i++) {
      cooldown.recordFailure('p');
      cooldown.recordSuccess('p');
    }
    expect(cooldown.isResting('p')).toBe(false);
  });

  it('rejects nonsense settings', () => {
    expect(() => new Cooldown({ failureThreshold: 0 })).toThrow(NetError);
    expect(() => new Cooldown({ baseMs: 10, maxMs: 5 })).toThrow(/baseMs/);
  });
});
