import type { Cluster, Redis } from 'ioredis'
import { newGenerationToken, type CacheStore } from './store.ts'

/**
 * The shared store: Redis through ioredis. The reads of one turn of the event loop are one `MGET`
 * (in cluster mode, where keys of different resources live in different slots, one `GET` each,
 * sent together). Values are binary-safe buffers; expiry is Redis's own (`PX`).
 *
 * @example
 * const store = new RedisStore(createRedisClient(config.redis, { commandTimeoutMs: 50 }))
 */
interface PendingRead {
  readonly keys: readonly string[]
  readonly resolve: (values: (Buffer | undefined)[]) => void
  readonly reject: (error: unknown) => void
}

export class RedisStore implements CacheStore {
  readonly kind = 'redis'
  readonly #client: Redis | Cluster
  readonly #cluster: boolean

  constructor(client: Redis | Cluster) {
    this.#client = client
    this.#cluster = 'nodes' in client && typeof client.nodes === 'function'
    // ioredis reports connection errors as events; the breaker reports the failed calls.
    client.on('error', () => {})
  }

  async get(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    if (this.#cluster) {
      const values = await Promise.all(keys.map((key) => this.#client.getBuffer(key)))
      return values.map((value) => value ?? undefined)
    }
    return new Promise((resolve, reject) => {
      this.#reads.push({ keys, resolve, reject })
      if (this.#reads.length === 1) setImmediate(this.#flushReads)
    })
  }

  /** Lookups waiting for the end of this turn of the event loop, to go out as one `MGET`. */
  #reads: PendingRead[] = []

  /**
   * Sends every lookup of this turn of the event loop as one `MGET`: the requests that arrived
   * together (one poll of the sockets) cost one command, one write and one reply instead of one
   * each. They wait for nothing but the end of the turn.
   */
  readonly #flushReads = (): void => {
    const reads = this.#reads
    this.#reads = []
    const keys = reads.length === 1 ? reads[0]!.keys.slice() : reads.flatMap((read) => read.keys)
    let reply: Promise<(Buffer | null)[]>
    try {
      reply = this.#client.mgetBuffer(keys)
    } catch (error) {
      // Not from this turn's requests: nothing may throw out of a timer callback.
      reply = Promise.reject(error)
    }
    reply.then(
      (values) => {
        let at = 0
        for (const read of reads) {
          const own = values.slice(at, (at += read.keys.length))
          read.resolve(own.map((value) => value ?? undefined))
        }
      },
      (error: unknown) => {
        for (const read of reads) read.reject(error)
      }
    )
  }

  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return
    await this.#client.set(key, value, 'PX', Math.ceil(ttlMs))
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.#client.del(key)))
  }

  async bump(keys: readonly string[], ttlMs: number): Promise<void> {
    await Promise.all(
      keys.map((key) => this.#client.set(key, newGenerationToken(), 'PX', Math.ceil(ttlMs)))
    )
  }

  async tryLock(key: string, ttlMs: number): Promise<boolean> {
    return (await this.#client.set(key, '1', 'PX', Math.ceil(ttlMs), 'NX')) === 'OK'
  }

  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    const ready =
      this.#client.status === 'ready' ||
      (await new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer)
          this.#client.off('ready', onReady)
          resolve(ok)
        }
        const onReady = () => done(true)
        const timer = setTimeout(() => done(false), timeoutMs)
        this.#client.on('ready', onReady)
      }))
    if (ready && this.#cluster) await this.#connectMasters(deadline - Date.now())
    return ready
  }

  /**
   * A cluster client is ready once it knows the slot map, having talked to one node; it opens
   * the other nodes' connections on their first command, which would then pay the connection
   * set-up inside the store timeout. Opening them here, within what is left of the start-up
   * wait, keeps the first requests after start-up from timing out against the store. A node
   * that does not answer in time is left to the breaker, as any failing node is.
   */
  async #connectMasters(timeoutMs: number): Promise<void> {
    if (timeoutMs <= 0) return
    const masters = (this.#client as Cluster).nodes('master')
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.allSettled(masters.map((node) => node.ping())),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ])
    clearTimeout(timer)
  }

  async close(): Promise<void> {
    try {
      await Promise.race([
        this.#client.quit(),
        new Promise((_, reject) => setTimeout(reject, 1_000).unref()),
      ])
    } catch {
      // Quitting a broken connection may hang or fail; drop it either way.
    }
    this.#client.disconnect()
  }
}
