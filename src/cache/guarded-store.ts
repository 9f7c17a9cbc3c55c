import type { CircuitBreaker } from './breaker.ts'
import type { CacheStore } from './store.ts'

/**
 * The operations counted in `drive_gateway_cache_store_errors_total{operation}`. `decode` is a
 * value that came back but is not an entry of this version: counted, never a breaker failure.
 */
export type StoreOperation = 'get' | 'set' | 'delete' | 'bump' | 'lock' | 'decode'

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
  /** Called for every failed or timed-out call (start-up wires it to the error counter). */
  readonly onError?: (operation: StoreOperation, error: unknown) => void
}

/**
 * A {@link CacheStore} that guards another: every call is refused at once while the breaker is
 * open, and otherwise bounded by the store timeout, so no request ever waits longer than that
 * for the cache (docs/architecture.md, "Fail-open"). Outcomes feed the breaker; failures are
 * reported through `onError`. The cache's code only ever holds this wrapper.
 *
 * @example
 * const store = new GuardedStore(new RedisStore(client), { timeoutMs: 50, breaker, onError })
 * const [entry] = await store.get([key]) // throws StoreUnavailableError while the breaker is open
 */
export class GuardedStore implements CacheStore {
  readonly #inner: CacheStore
  readonly #timeoutMs: number
  readonly #breaker: CircuitBreaker
  readonly #onError: (operation: StoreOperation, error: unknown) => void

  constructor(inner: CacheStore, { timeoutMs, breaker, onError = () => {} }: GuardedStoreOptions) {
    this.#inner = inner
    this.#timeoutMs = timeoutMs
    this.#breaker = breaker
    this.#onError = onError
  }

  get kind(): string {
    return this.#inner.kind
  }

  /** False while the breaker is open: calls would be refused. */
  get up(): boolean {
    return this.#breaker.up
  }

  get(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    return this.#run('get', () => this.#inner.get(keys))
  }

  set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    return this.#run('set', () => this.#inner.set(key, value, ttlMs))
  }

  delete(keys: readonly string[]): Promise<void> {
    return this.#run('delete', () => this.#inner.delete(keys))
  }

  bump(keys: readonly string[], ttlMs: number): Promise<void> {
    return this.#run('bump', () => this.#inner.bump(keys, ttlMs))
  }

  tryLock(key: string, ttlMs: number): Promise<boolean> {
    return this.#run('lock', () => this.#inner.tryLock(key, ttlMs))
  }

  ready(timeoutMs: number): Promise<boolean> {
    return this.#inner.ready(timeoutMs)
  }

  close(): Promise<void> {
    return this.#inner.close()
  }

  /** A value that came back but did not decode: counted, and the lookup goes on as a miss. */
  reportUndecodable(bytes: number): void {
    this.#onError('decode', new Error(`undecodable entry of ${bytes} bytes`))
  }

  async #run<T>(operation: StoreOperation, call: () => Promise<T>): Promise<T> {
    if (!this.#breaker.allow()) throw new StoreUnavailableError('cache store breaker is open')
    // The in-process store answers in the same tick and cannot hang: no timer to arm per call.
    if (this.#inner.kind === 'memory') {
      try {
        const result = await call()
        this.#breaker.success()
        return result
      } catch (error) {
        this.#breaker.failure()
        this.#onError(operation, error)
        throw error
      }
    }
    let timer: NodeJS.Timeout | undefined
    const pending = call()
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
}
