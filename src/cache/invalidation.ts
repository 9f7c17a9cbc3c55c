import type { Logger } from '../logging/logger.ts'
import type { Coalescer } from './coalescer.ts'
import { MAX_ENTRY_MS } from './entry.ts'
import type { GuardedStore } from './guarded-store.ts'
import type { CacheKeys } from './key.ts'

/**
 * How long a generation token lives after its last bump: longer than any entry (MAX_ENTRY_MS),
 * so when it expires every entry that could have matched the token before it is gone too.
 */
export const GENERATION_TTL_MS = MAX_ENTRY_MS + 60_000

export interface InvalidatorOptions {
  readonly store: GuardedStore
  readonly keys: CacheKeys
  readonly coalescer: Coalescer
  readonly logger: Logger
  /** How often bumps that failed are tried again while some are pending. */
  readonly retryMs: number
  /** Failed bumps remembered one by one; past this, the retry purges everything instead. */
  readonly maxPending?: number
}

/**
 * Invalidates by generation (DESIGN §7): every entry records the generation tokens of its
 * resource, its parent and the global one; a bump gives a resource a new token, so all of its
 * entries, for every caller, stop matching without a scan of the store.
 *
 * A bump that fails (store down, breaker open) is remembered and retried when the store answers
 * again, so a write made during an outage still invalidates what a shared Redis kept.
 */
export class Invalidator {
  readonly #options: InvalidatorOptions
  readonly #pending = new Set<string>()
  readonly #maxPending: number
  #overflowed = false
  #timer: NodeJS.Timeout | undefined

  constructor(options: InvalidatorOptions) {
    this.#options = options
    this.#maxPending = options.maxPending ?? 10_000
  }

  /** Resource ids and purges waiting for the store to come back. */
  get pending(): number {
    return this.#pending.size + (this.#overflowed ? 1 : 0)
  }

  /** Bumps the resources' generations; never throws, and waits at most the store timeout. */
  async bump(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return
    this.#options.coalescer.forget(ids)
    try {
      await this.#bumpKeys(ids.map((id) => this.#options.keys.generation(id)))
      if (this.pending > 0) void this.flushPending()
    } catch {
      this.#remember(ids)
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

  /** Retries the bumps that failed; called when the breaker closes and on a timer. */
  async flushPending(): Promise<void> {
    if (this.pending === 0) return
    const { keys, logger } = this.#options
    const ids = [...this.#pending]
    const overflowed = this.#overflowed
    this.#pending.clear()
    this.#overflowed = false
    try {
      await this.#bumpKeys(
        overflowed ? [keys.globalGeneration()] : ids.map((id) => keys.generation(id))
      )
      logger.info('cache invalidations replayed', {
        resources: overflowed ? 'all' : ids.length,
      })
    } catch {
      if (overflowed) this.#overflowed = true
      this.#remember(ids)
    }
  }

  close(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #bumpKeys(keys: string[]): Promise<void> {
    return this.#options.store.bump(keys, GENERATION_TTL_MS)
  }

  #remember(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.#overflowed) break
      this.#pending.add(id)
      if (this.#pending.size > this.#maxPending) {
        this.#pending.clear()
        this.#overflowed = true
      }
    }
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        void this.flushPending()
      }, this.#options.retryMs)
      this.#timer.unref()
    }
  }
}
