import type { Logger } from '../logging/logger.ts'
import type { Coalescer } from './coalescer.ts'
import { MAX_ENTRY_MS } from './entry.ts'
import type { GuardedStore } from './guarded-store.ts'
import type { CacheKeys } from './key.ts'
import { BumpLedger, type LedgerSnapshot } from './ledger.ts'

/**
 * How long a generation token lives after its last bump: longer than any entry (MAX_ENTRY_MS),
 * so when it expires every entry that could have matched the token before it is gone too.
 */
const GENERATION_TTL_MS = MAX_ENTRY_MS + 60_000

// How often lookups may start a replay while bumps are pending.
const KICK_EVERY_MS = 50

export interface InvalidatorOptions {
  readonly store: GuardedStore
  readonly keys: CacheKeys
  readonly coalescer: Coalescer
  readonly logger: Logger
  /** How often a replay of the ledger is tried while bumps are pending (the breaker cooldown). */
  readonly retryMs: number
  /** Bumps the store did not take; a new bounded one by default. */
  readonly ledger?: BumpLedger
  /** Told when a bump fails: the store is then down for everyone (opens the breaker). */
  readonly onBumpFailed?: () => void
}

/**
 * Invalidates by generation: every entry records the generation tokens of its resource, its
 * parent and the global one; a bump gives a resource a new token, so all of its entries, for
 * every caller, stop matching without a scan of the store.
 *
 * Read-your-writes in this process (README, "Read-your-writes"): a bump the store does not take
 * (refused as by a Redis out of memory or a read-only replica, failed, timed out, or the breaker
 * open) goes into the ledger and opens the breaker. Lookups of a resource in the ledger never
 * use the store, and the ledger is replayed as the breaker's probe, before the store serves any
 * read again.
 */
export class Invalidator {
  readonly #options: InvalidatorOptions
  readonly #ledger: BumpLedger
  #timer: NodeJS.Timeout | undefined
  #replaying = false
  // True only while a replay's store call is being started: the breaker lets that call probe.
  #probing = false
  #nextKick = 0

  constructor(options: InvalidatorOptions) {
    this.#options = options
    this.#ledger = options.ledger ?? new BumpLedger()
  }

  /** Resource ids waiting for the store (plus one after an overflow). */
  get pending(): number {
    return this.#ledger.size
  }

  /**
   * For the breaker: may a call probe the store now? Not while bumps are pending, except the
   * replay itself, so no read is served before the writes it missed are in the store.
   */
  mayProbe(): boolean {
    return this.#probing || this.#ledger.empty
  }

  /** True when a lookup depending on `resources` must not use the store (a bump is pending). */
  isPending(resources: readonly string[]): boolean {
    if (this.#ledger.empty) return false
    // Lookups keep coming while bumps are pending: each may start the replay (a few per second
    // at most), so the store is back as soon as the breaker lets a probe through.
    const now = Date.now()
    if (now >= this.#nextKick) {
      this.#nextKick = now + KICK_EVERY_MS
      void this.replay()
    }
    return this.#ledger.blocks(resources)
  }

  /**
   * Bumps the resources' generations; never throws, and waits at most the store timeout. When
   * the store does not take it, the ids go into the ledger and the store counts as down.
   */
  async bump(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return
    this.#options.coalescer.forget(ids)
    try {
      await this.#bumpKeys(ids.map((id) => this.#options.keys.generation(id)))
    } catch {
      this.#ledger.add(ids)
      this.#options.onBumpFailed?.()
      this.#schedule()
    }
  }

  /** For `POST /cache/purge`: bumps the resource (or everything); throws when the store fails. */
  async purge(target: { resource: string } | 'all'): Promise<void> {
    const { keys, coalescer } = this.#options
    if (target === 'all') {
      await this.#bumpKeys([keys.globalGeneration()])
      return
    }
    const id = keys.resourceId(target.resource)
    coalescer.forget([id])
    await this.#bumpKeys([keys.generation(id)])
  }

  /**
   * Replays the ledger as the breaker's probe: on success the breaker closes with nothing
   * pending. Runs on a timer while bumps are pending; true when nothing is pending any more.
   */
  async replay(): Promise<boolean> {
    if (this.#ledger.empty) return true
    if (this.#replaying) return false
    const snapshot = this.#ledger.snapshot()
    this.#replaying = true
    try {
      let call: Promise<void>
      this.#probing = true
      try {
        // The guarded store asks the breaker synchronously, as the call starts.
        call = this.#bumpKeys(this.#keysOf(snapshot))
      } finally {
        this.#probing = false
      }
      await call
      this.#ledger.settle(snapshot)
      this.#options.logger.info('cache invalidations replayed', {
        resources: snapshot.all ? 'all' : snapshot.ids.length,
      })
    } catch {
      this.#options.onBumpFailed?.()
    } finally {
      this.#replaying = false
    }
    if (!this.#ledger.empty) this.#schedule()
    return this.#ledger.empty
  }

  close(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #keysOf(snapshot: LedgerSnapshot): string[] {
    const { keys } = this.#options
    return snapshot.all ? [keys.globalGeneration()] : snapshot.ids.map((id) => keys.generation(id))
  }

  #bumpKeys(keys: string[]): Promise<void> {
    return this.#options.store.bump(keys, GENERATION_TTL_MS)
  }

  #schedule(): void {
    if (this.#timer !== undefined) return
    // A little after the cooldown, when the breaker lets a probe through.
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.replay()
    }, this.#options.retryMs + 10)
    this.#timer.unref()
  }
}
