/**
 * A small seeded PRNG (mulberry32) with the helpers the fuzz grammar needs. Same seed, same
 * sequence: a failure names its seed and exchange, and replays exactly.
 */
export class Random {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }

  /** Picks by weight: `[[weight, value], …]`. */
  weighted<T>(table: readonly (readonly [number, T])[]): T {
    const total = table.reduce((sum, [w]) => sum + w, 0)
    let roll = this.next() * total
    for (const [w, value] of table) {
      roll -= w
      if (roll < 0) return value
    }
    return table.at(-1)![1]
  }

  /** `length` bytes, each drawn from `alphabet` (byte values). */
  bytes(length: number, alphabet?: readonly number[]): Buffer {
    const out = Buffer.alloc(length)
    for (let i = 0; i < length; i++) out[i] = alphabet ? this.pick(alphabet) : this.int(0, 255)
    return out
  }

  /** A derived generator, so one exchange's draws do not shift the next one's. */
  fork(): Random {
    return new Random(this.int(0, 0xffffffff))
  }
}
