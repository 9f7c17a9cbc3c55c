/** A response several requests share: status line, headers and the whole body (or none). */
export interface SharedResponse {
  readonly status: number
  readonly statusText?: string
  readonly rawHeaders: readonly string[]
  readonly body: Buffer | null
}

/** One upstream call in progress that identical misses wait for. */
export class Flight {
  readonly key: string
  /** Resource ids its answer depends on: a local invalidation detaches it. */
  readonly resources: readonly string[]
  /** The leading request's headers: a waiter shares the answer only if its `Vary` fields match. */
  readonly requestHeaders: readonly string[]
  readonly result: Promise<SharedResponse | undefined>
  #resolve!: (response: SharedResponse | undefined) => void
  #waiters = 0
  #settled = false
  readonly #onFirstWaiter: () => void

  constructor(
    key: string,
    resources: readonly string[],
    onFirstWaiter: () => void,
    requestHeaders: readonly string[] = []
  ) {
    this.key = key
    this.resources = resources
    this.requestHeaders = requestHeaders
    this.#onFirstWaiter = onFirstWaiter
    this.result = new Promise((resolve) => (this.#resolve = resolve))
  }

  get waiters(): number {
    return this.#waiters
  }

  /** Its answer is known (and being written to the store). */
  get settled(): boolean {
    return this.#settled
  }

  join(): Promise<SharedResponse | undefined> {
    if (this.#waiters++ === 0) this.#onFirstWaiter()
    return this.result
  }

  resolve(response: SharedResponse | undefined): void {
    this.#settled = true
    this.#resolve(response)
  }
}

/**
 * Single-flight for cache misses in this process: the first miss on a key leads and calls the
 * upstream; identical misses that arrive meanwhile wait for its answer. Waiters are always
 * released as soon as the leader knows the outcome: with the response when it can be shared,
 * or with `undefined` ("go yourself") when it cannot. Nobody waits on a timer (the nginx
 * `proxy_cache_lock` trap; docs/architecture.md, "Cache").
 */
export class Coalescer {
  readonly #flights = new Map<string, Flight>()

  /** The flight on `key`, if one is in progress. */
  find(key: string): Flight | undefined {
    return this.#flights.get(key)
  }

  /**
   * Starts a flight; `onFirstWaiter` runs when a first request joins (the leader then stops
   * letting its own client's disconnect cancel the upstream call). `requestHeaders` are the
   * leader's, against which a waiter's are compared for the fields the answer's `Vary` names.
   */
  lead(
    key: string,
    resources: readonly string[],
    onFirstWaiter: () => void,
    requestHeaders: readonly string[] = []
  ): Flight {
    const flight = new Flight(key, resources, onFirstWaiter, requestHeaders)
    this.#flights.set(key, flight)
    return flight
  }

  /**
   * Gives waiters the response. With `lingerUntil` (the entry is being written), a request whose
   * store read went out before the write still shares the answer instead of missing again.
   * (One that reads after it finds the entry: the store answers commands in order.)
   */
  settle(flight: Flight, response: SharedResponse, lingerUntil?: Promise<unknown>): void {
    flight.resolve(response)
    if (lingerUntil) lingerUntil.finally(() => this.#detach(flight))
    else this.#detach(flight)
  }

  /** Lets waiters go upstream themselves (the answer cannot be shared). */
  release(flight: Flight): void {
    this.#detach(flight)
    flight.resolve(undefined)
  }

  /** Stops new requests joining flights whose answer a write may have made stale. */
  forget(resources: readonly string[]): void {
    for (const flight of this.#flights.values()) {
      if (flight.resources.some((id) => resources.includes(id))) this.#detach(flight)
    }
  }

  get size(): number {
    return this.#flights.size
  }

  #detach(flight: Flight): void {
    if (this.#flights.get(flight.key) === flight) this.#flights.delete(flight.key)
  }
}
