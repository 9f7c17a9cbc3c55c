import type { CircuitBreaker } from './breaker.ts'
import type { CacheStore } from './store.ts'

/** The operations counted in `drive_gateway_cache_store_errors_total{operation}`. */
export type StoreOperation = 'get' | 'set' | 'delete' | 'bump' | 'lock'

/** Thrown instead of calling the store while its breaker is open. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError'
}

/** A store call that did not answer within `CACHE_STORE_TIMEOUT_MS`. */
export class StoreTimeoutError extends Error {
  override name = 'StoreTimeoutError'
}

export interface GuardedStoreOptions {
  /** `CACHE_STORE_TIMEOUT_MS`: slower calls count as failures. */
  readonly timeoutMs: number
  readonly breaker: CircuitBreaker
  /** Called for every failed or timed-out call (the error counter). */
  readonly onError?: (operation: StoreOperation, error: unknown) => void
}

/**
 * The only way the cache reaches its store: every call is refused at once while the breaker is
 * open, and otherwise bounded by the store timeout, so no request ever waits longer than that
 * for the cache (DESIGN §7). Outcomes feed the breaker.
 *
 * @example
 * const values = await guarded.run('get', (store) => store.get(keys))
 */
export class GuardedStore {
  readonly store: CacheStore
  readonly #timeoutMs: number
  readonly #breaker: CircuitBreaker
  readonly #onError: (operation: StoreOperation, error: unknown) => void

  constructor(store: CacheStore, { timeoutMs, breaker, onError = () => {} }: GuardedStoreOptions) {
    this.store = store
    this.#timeoutMs = timeoutMs
    this.#breaker = breaker
    this.#onError = onError
  }

  /** False while the breaker is open: calls would be refused. */
  get up(): boolean {
    return this.#breaker.up
  }

  async run<T>(operation: StoreOperation, call: (store: CacheStore) => Promise<T>): Promise<T> {
    if (!this.#breaker.allow()) throw new StoreUnavailableError('cache store breaker is open')
    let timer: NodeJS.Timeout | undefined
    const pending = call(this.store)
    try {
      const result = await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new StoreTimeoutError(`cache store ${operation} timed out`)),
            this.#timeoutMs
          )
        }),
      ])
      this.#breaker.success()
      return result
    } catch (error) {
      // The late answer of a timed-out call has no one to go to.
      pending.catch(() => {})
      this.#breaker.failure()
      this.#onError(operation, error)
      throw error
    } finally {
      clearTimeout(timer)
    }
  }

  /** Like {@link run}, for calls whose failure changes nothing for the request (writes). */
  attempt(operation: StoreOperation, call: (store: CacheStore) => Promise<unknown>): void {
    this.run(operation, call).catch(() => {})
  }
}
