/**
 * The js backend's share of libuv's thread pool: async node:zlib runs there, beside fs and
 * dns.lookup. Every sink and encoder of the process queues its compressions through this one
 * budget of max(1, UV_THREADPOOL_SIZE - 2) slots, so however many of them are at work, two
 * pool threads stay free for the rest of the process (the addon keeps the same budget on its
 * side: native/thread_budget.h).
 */

/** libuv's pool size as libuv reads it: UV_THREADPOOL_SIZE, default 4, at most 1024. */
function poolSize(): number {
  const value = Number.parseInt(process.env['UV_THREADPOOL_SIZE'] ?? '', 10);
  return Number.isInteger(value) && value > 0 ? Math.min(value, 1024) : 4;
}

/** Runs tasks with at most `max` at once; the rest wait in call order. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so a newcomer cannot overtake it.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active -= 1;
    }
  }
}

/** The process-wide budget (read once: libuv reads UV_THREADPOOL_SIZE once too). */
export const threadBudget = new Limiter(Math.max(1, poolSize() - 2));
