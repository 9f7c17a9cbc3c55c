/** Pending bumps remembered one by one; past it, everything counts as pending. */
export const LEDGER_SIZE = 10_000

/** What one replay must bump: resource ids, or everything after an overflow. */
export interface LedgerSnapshot {
  readonly ids: readonly string[]
  readonly all: boolean
  /** Additions seen when the snapshot was taken: later ones are not settled by it. */
  readonly seq: number
}

/**
 * Generation bumps the store did not take: the resource ids of writes this process answered
 * while the store refused, failed or timed out (README, "Read-your-writes"). A lookup of a
 * resource in the ledger never uses the store (no read, no write), and the ledger is replayed
 * before the store serves any read again, so no caller of this process is served a copy stored
 * before a write it acknowledged. Bounded: past {@link LEDGER_SIZE} ids it overflows, every
 * lookup counts as pending, and the replay bumps the global generation instead.
 */
export class BumpLedger {
  // id → the addition number that last named it, so a replay settles only what it covered.
  readonly #ids = new Map<string, number>()
  readonly #size: number
  #seq = 0
  #overflowedAt = 0

  constructor(size = LEDGER_SIZE) {
    this.#size = size
  }

  /** Nothing is pending. */
  get empty(): boolean {
    return this.#ids.size === 0 && this.#overflowedAt === 0
  }

  /** Ids pending, plus one for an overflow. */
  get size(): number {
    return this.#ids.size + (this.#overflowedAt > 0 ? 1 : 0)
  }

  /** True when a lookup depending on `ids` may not use the store. */
  blocks(ids: readonly string[]): boolean {
    if (this.#overflowedAt > 0) return true
    if (this.#ids.size === 0) return false
    return ids.some((id) => this.#ids.has(id))
  }

  add(ids: readonly string[]): void {
    if (ids.length === 0) return
    const seq = ++this.#seq
    if (this.#overflowedAt > 0) {
      this.#overflowedAt = seq
      return
    }
    for (const id of ids) {
      this.#ids.delete(id)
      this.#ids.set(id, seq)
    }
    if (this.#ids.size > this.#size) {
      this.#ids.clear()
      this.#overflowedAt = seq
    }
  }

  snapshot(): LedgerSnapshot {
    return { ids: [...this.#ids.keys()], all: this.#overflowedAt > 0, seq: this.#seq }
  }

  /**
   * Forgets what a successful replay of `snapshot` bumped. An id named again after the snapshot
   * stays: the replay may have reached the store before that write was made.
   */
  settle(snapshot: LedgerSnapshot): void {
    if (snapshot.all) {
      if (this.#overflowedAt <= snapshot.seq) this.#overflowedAt = 0
      return
    }
    for (const id of snapshot.ids) {
      const seq = this.#ids.get(id)
      if (seq !== undefined && seq <= snapshot.seq) this.#ids.delete(id)
    }
  }
}
