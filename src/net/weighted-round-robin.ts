import { NetError } from './errors';

interface Slot<T> {
  item: T;
  weight: number;
  current: number;
}

export interface WeightedEntry<T> {
  item: T;
  weight?: number;
}

/**
 * Smooth weighted round robin (the nginx upstream algorithm): on each pick every
 * eligible item gains its weight, the richest one wins and pays back the total.
 * Weights 5:1:1 give a,a,b,a,c,a,a rather than a,a,a,a,a,b,c, so no item gets a
 * run longer than its weight forces. Items are compared by identity (===).
 */
export class SmoothWeightedRoundRobin<T> {
  private slots: Slot<T>[] = [];

  constructor(entries: Iterable<WeightedEntry<T>> = []) {
    for (const entry of entries) this.add(entry.item, entry.weight);
  }

  get size(): number {
    return this.slots.length;
  }

  items(): T[] {
    return this.slots.map((slot) => slot.item);
  }

  weightOf(item: T): number | undefined {
    return this.find(item)?.weight;
  }

  /** Adds an item, or changes its weight if it is already there. */
  add(item: T, weight = 1): void {
    checkWeight(weight);
    const existing = this.find(item);
    if (existing) {
      existing.weight = weight;
      return;
    }
    this.slots.push({ item, weight, current: 0 });
  }

  /** Removes an item; returns whether it was there. */
  remove(item: T): boolean {
    const index = this.slots.findIndex((slot) => slot.item === item);
    if (index < 0) return false;
    this.slots.splice(index, 1);
    return true;
  }

  /**
   * Swaps the whole set. Items present before and after keep their running
   * state, so reloading a pool with the same members does not restart the cycle.
   */
  replace(entries: Iterable<WeightedEntry<T>>): void {
    const next: Slot<T>[] = [];
    for (const { item, weight = 1 } of entries) {
      checkWeight(weight);
      if (next.some((slot) => slot.item === item)) continue;
      const previous = this.find(item);
      next.push({ item, weight, current: previous ? previous.current : 0 });
    }
    this.slots = next;
  }

  /**
   * The next item among those `eligible` accepts (all when omitted), or
   * undefined when none is. Ineligible items keep their state untouched.
   */
  pick(eligible?: (item: T) => boolean): T | undefined {
    let total = 0;
    let best: Slot<T> | undefined;
    for (const slot of this.slots) {
      if (eligible && !eligible(slot.item)) continue;
      slot.current += slot.weight;
      total += slot.weight;
      if (!best || slot.current > best.current) best = slot;
    }
    if (!best) return undefined;
    best.current -= total;
    return best.item;
  }

  private find(item: T): Slot<T> | undefined {
    return this.slots.find((slot) => slot.item === item);
  }
}

function checkWeight(weight: number): void {
  if (!Number.isFinite(weight) || weight <= 0) {
    throw new NetError('ERR_INVALID_OPTION', `weight must be a positive finite number, got ${String(weight)}`);
  }
}
