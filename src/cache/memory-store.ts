import { newGenerationToken, type CacheStore } from './store.ts'

/** Bookkeeping per item (Map slot, object, timestamps), counted against the bound. */
const ITEM_OVERHEAD_BYTES = 96

interface Item {
  readonly value: Buffer
  readonly expiresAt: number
  readonly size: number
}

export interface MemoryStoreOptions {
  /** `CACHE_MEMORY_MAX_BYTES`: keys, values and bookkeeping together never exceed it. */
  readonly maxBytes: number
  /** The clock, for tests. */
  readonly now?: () => number
}

/**
 * The in-process store used when `REDIS_URL` is unset: a least-recently-used map bounded in
 * bytes. A write that would pass the bound evicts the least recently used items first; a value
 * larger than the whole bound is not kept. Expired items are dropped when read or evicted.
 *
 * Generation keys (written by `bump`) are kept apart and evicted only after every entry: an
 * entry must never outlive a generation it was checked against, or a forgotten bump would bring
 * it back. When generations alone fill the bound, everything is dropped at once, which is safe.
 *
 * @example
 * const store = new MemoryStore({ maxBytes: 64 * 1024 * 1024 })
 */
export class MemoryStore implements CacheStore {
  readonly kind = 'memory'
  readonly #items = new Map<string, Item>()
  readonly #generations = new Map<string, Item>()
  readonly #maxBytes: number
  readonly #now: () => number
  #bytes = 0

  constructor({ maxBytes, now = Date.now }: MemoryStoreOptions) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
      throw new TypeError(`expected maxBytes to be a positive integer, got ${maxBytes}`)
    }
    this.#maxBytes = maxBytes
    this.#now = now
  }

  /** Bytes held now (keys, values and bookkeeping); never above `maxBytes`. */
  get bytes(): number {
    return this.#bytes
  }

  get count(): number {
    return this.#items.size + this.#generations.size
  }

  async get(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    return keys.map((key) => this.#read(key))
  }

  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    this.#write(key, value, ttlMs)
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.#remove(key)
  }

  async bump(keys: readonly string[], ttlMs: number): Promise<void> {
    for (const key of keys) this.#write(key, Buffer.from(newGenerationToken()), ttlMs, true)
  }

  async tryLock(key: string, ttlMs: number): Promise<boolean> {
    if (this.#read(key) !== undefined) return false
    return this.#write(key, Buffer.from('1'), ttlMs)
  }

  async ready(): Promise<boolean> {
    return true
  }

  async close(): Promise<void> {
    this.#clear()
  }

  #read(key: string): Buffer | undefined {
    const generation = this.#generations.get(key)
    if (generation !== undefined) {
      if (generation.expiresAt > this.#now()) return generation.value
      this.#remove(key)
      return undefined
    }
    const item = this.#items.get(key)
    if (item === undefined) return undefined
    if (item.expiresAt <= this.#now()) {
      this.#remove(key)
      return undefined
    }
    // Map order is insertion order: moving the item to the end makes it the most recent.
    this.#items.delete(key)
    this.#items.set(key, item)
    return item.value
  }

  #write(key: string, value: Buffer, ttlMs: number, generation = false): boolean {
    this.#remove(key)
    const size = value.length + key.length + ITEM_OVERHEAD_BYTES
    if (size > this.#maxBytes || ttlMs <= 0) return false
    value = ownBytes(value)
    while (this.#bytes + size > this.#maxBytes && this.#items.size > 0) {
      this.#remove(this.#items.keys().next().value as string)
    }
    if (this.#bytes + size > this.#maxBytes) this.#dropExpiredGenerations()
    if (this.#bytes + size > this.#maxBytes) this.#clear()
    const map = generation ? this.#generations : this.#items
    map.set(key, { value, expiresAt: this.#now() + ttlMs, size })
    this.#bytes += size
    return true
  }

  #dropExpiredGenerations(): void {
    const now = this.#now()
    for (const [key, item] of this.#generations) if (item.expiresAt <= now) this.#remove(key)
  }

  #clear(): void {
    this.#items.clear()
    this.#generations.clear()
    this.#bytes = 0
  }

  #remove(key: string): void {
    const item = this.#items.get(key) ?? this.#generations.get(key)
    if (item === undefined) return
    this.#items.delete(key)
    this.#generations.delete(key)
    this.#bytes -= item.size
  }
}

/**
 * A value that is a view into a larger allocation (a socket read, Node's 8 KiB buffer pool)
 * would keep all of it alive; copy it so the bound counts what is really held.
 */
function ownBytes(value: Buffer): Buffer {
  if (value.byteOffset === 0 && value.buffer.byteLength === value.length) return value
  const copy = Buffer.allocUnsafeSlow(value.length)
  value.copy(copy)
  return copy
}
