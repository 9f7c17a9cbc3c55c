export interface CircuitBreakerOptions {
  /** `CACHE_BREAKER_FAILURES`: consecutive failures that open the breaker. */
  readonly failures: number
  /** `CACHE_BREAKER_COOLDOWN_MS`: how long it stays open before one call may probe. */
  readonly cooldownMs: number
  /** Told when the store is given up on (false) and when it answers again (true). */
  readonly onChange?: (up: boolean) => void
  /**
   * Asked before a call may probe after the cooldown. The invalidator says no while generation
   * bumps are pending, except for its own replay, so the first call that reaches the store again
   * puts the missed bumps there before any read is served.
   */
  readonly mayProbe?: () => boolean
  readonly now?: () => number
}

/**
 * A circuit breaker for the cache store. Closed: every call goes through and consecutive
 * failures are counted. Open: calls are refused without touching the store, so a dead Redis
 * costs a request nothing. After the cooldown one call is let through as a probe (half-open);
 * its success closes the breaker, its failure opens it for another cooldown.
 *
 * @example
 * const breaker = new CircuitBreaker({ failures: 5, cooldownMs: 5_000 })
 * if (breaker.allow()) call().then(() => breaker.success(), () => breaker.failure())
 */
export class CircuitBreaker {
  readonly #failures: number
  readonly #cooldownMs: number
  readonly #onChange: (up: boolean) => void
  readonly #mayProbe: () => boolean
  readonly #now: () => number
  #state: 'closed' | 'open' | 'probing' = 'closed'
  #consecutive = 0
  #retryAt = 0

  constructor({
    failures,
    cooldownMs,
    onChange = () => {},
    mayProbe = () => true,
    now = Date.now,
  }: CircuitBreakerOptions) {
    this.#failures = failures
    this.#cooldownMs = cooldownMs
    this.#onChange = onChange
    this.#mayProbe = mayProbe
    this.#now = now
  }

  /** False while the store is given up on: open, or a probe is already out. */
  get up(): boolean {
    return this.#state === 'closed'
  }

  /** May a call go to the store now? After the cooldown, the first caller becomes the probe. */
  allow(): boolean {
    if (this.#state === 'closed') return true
    if (this.#state === 'open' && this.#now() >= this.#retryAt && this.#mayProbe()) {
      this.#state = 'probing'
      return true
    }
    return false
  }

  /** Opens the breaker now (a store known to be unreachable at start-up). */
  trip(): void {
    if (this.#state === 'open') return
    const wasClosed = this.#state === 'closed'
    this.#state = 'open'
    this.#retryAt = this.#now() + this.#cooldownMs
    if (wasClosed) this.#onChange(false)
  }

  success(): void {
    // A success from a call that started before the breaker opened proves nothing.
    if (this.#state === 'open') return
    this.#consecutive = 0
    if (this.#state === 'probing') {
      this.#state = 'closed'
      this.#onChange(true)
    }
  }

  failure(): void {
    if (this.#state === 'open') return
    if (this.#state === 'probing' || ++this.#consecutive >= this.#failures) this.trip()
  }
}

// Error replies of a store that is up but takes no writes: Redis out of memory under
// `noeviction`, a replica (after a failover), a failed RDB save with `stop-writes-on-bgsave-error`,
// too few replicas for `min-replicas-to-write`.
const WRITE_REFUSALS = /^(OOM|READONLY|MISCONF|NOREPLICAS)\b/

/**
 * True for an error saying the store refuses writes while it may still serve reads. Such a store
 * cannot take generation bumps or entries, so it counts as down at once (`store_up` 0), not
 * after `CACHE_BREAKER_FAILURES` failures that its successful reads keep resetting.
 */
export function refusesWrites(error: unknown): boolean {
  return error instanceof Error && WRITE_REFUSALS.test(error.message)
}
