/**
 * A bounded map that forgets the least recently used entry first. A JS Map keeps
 * insertion order, so "use" = delete + re-insert, and the oldest key is the first one.
 */
export class LruTable<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  clear(): void {
    this.map.clear();
  }
}
