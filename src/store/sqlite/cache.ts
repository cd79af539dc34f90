/**
 * A bounded map of read results, kept exact by the store's own writes (the store is the only
 * writer of its file, in one process): every write that changes a cached row drops its entry.
 * The oldest entry goes first when full. Values are deep-frozen, so a caller can't change what the
 * next caller reads.
 */
export class Cache<V> {
  readonly #entries = new Map<string, V>();

  constructor(readonly max: number) {}

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  /** Freezes `value` (deeply) and keeps it; returns it. */
  set(key: string, value: V): V {
    deepFreeze(value);
    this.#entries.delete(key); // re-set: goes to the back
    this.#entries.set(key, value);
    if (this.#entries.size > this.max) this.#entries.delete(this.#entries.keys().next().value as string);
    return value;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Freezes a JSON-like value and everything it holds. */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
