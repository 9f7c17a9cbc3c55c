import type { Readable } from 'node:stream'
import type { Exchange } from '../exchange/exchange.ts'
import { CappedBytes } from '../http/capped-bytes.ts'
import type { Logger } from '../logging/logger.ts'
import type { Forward } from '../proxy/forward.ts'
import { buildEntry, type EntryPolicy } from './entry-writer.ts'
import type { GuardedStore } from './guarded-store.ts'
import type { CacheEntry } from './entry.ts'
import type { LookupKeys } from './key.ts'
import { notModifiedMatches } from './not-modified.ts'
import { discardBody, notModifiedResponse, revalidationHeaders } from './revalidation.ts'

export interface RefresherOptions {
  /** The gateway's one upstream client: refreshes are timed and traced like any call. */
  readonly forward: Forward
  readonly headersTimeoutMs: number
  readonly store: GuardedStore
  readonly policy: EntryPolicy
  readonly logger: Logger
}

/** What a background refresh needs from the request that found the entry stale. */
export interface RefreshJob {
  readonly keys: LookupKeys
  readonly generations: readonly string[]
  /** The request that found the entry stale: its route, target, trace and request id. */
  readonly exchange: Exchange
  /** The client's headers, held in memory only until the refresh is sent. */
  readonly rawHeaders: readonly string[]
  /** The stale entry: its validators make the refresh conditional, and a 304 updates it. */
  readonly entry?: CacheEntry
  readonly clientAddress: string | undefined
  readonly protocol: string
}

// Access revoked or resource gone: the entry is dropped at once (docs/architecture.md, "Cache").
const DROP_STATUSES: ReadonlySet<number> = new Set([401, 403, 404, 410])

async function readCapped(body: Buffer | Readable | null, cap: number) {
  if (body === null || Buffer.isBuffer(body)) return body
  const copy = new CappedBytes(cap)
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (!copy.add(chunk)) {
      body.destroy()
      return undefined
    }
  }
  return copy.bytes()
}

/**
 * Stale-while-revalidate (RFC 5861 §3): refreshes a stale entry in the background, once per key
 * in this process and, through a short store lock, once across replicas. An entry with a
 * validator is refreshed with a conditional request, and a 304 updates it (RFC 9111 §4.3.4)
 * without its body being sent again. The outcome reaches no client: a storable answer replaces
 * the entry; 401, 403, 404 or 410 (or an answer that may no longer be stored) drops it; a 5xx,
 * 598 or failure keeps it until its stale window ends.
 * Refreshes go GET even when a HEAD found the entry stale.
 */
export class Refresher {
  readonly #options: RefresherOptions
  readonly #running = new Set<string>()

  constructor(options: RefresherOptions) {
    this.#options = options
  }

  /** Refreshes in progress in this process. */
  get running(): number {
    return this.#running.size
  }

  refresh(job: RefreshJob): void {
    const key = job.keys.entry
    if (this.#running.has(key)) return
    this.#running.add(key)
    this.#run(job)
      .catch((error: unknown) => {
        this.#options.logger.debug('cache refresh failed', {
          request_id: job.exchange.requestId,
          error: String(error),
        })
      })
      .finally(() => this.#running.delete(key))
  }

  async #run(job: RefreshJob): Promise<void> {
    const { store, policy } = this.#options
    const lockMs = this.#options.headersTimeoutMs + 5_000
    // Without the store's answer, refresh anyway: one extra upstream call beats none.
    const locked = await store.tryLock(job.keys.refreshLock, lockMs).catch(() => true)
    if (!locked) return
    try {
      const sentAt = Date.now()
      const reply = await this.#call(job)
      const receivedAt = Date.now()
      const source = {
        requestHeaders: job.rawHeaders,
        generations: job.generations,
        sentAt,
        receivedAt,
      }
      if (reply.status === 304 && job.entry) {
        // RFC 9111 §4.3.4: a 304 for this entry updates its headers and freshness; one for
        // another representation cannot, and the entry goes (the next request fetches it).
        discardBody(reply.body)
        const updated = notModifiedMatches(job.entry.meta.headers, reply.rawHeaders)
          ? buildEntry(notModifiedResponse(job.entry, reply.rawHeaders), source, policy, Date.now())
          : undefined
        if (updated) await store.set(job.keys.entry, updated.value, updated.ttlMs)
        else await store.delete([job.keys.entry])
        return
      }
      const body = await readCapped(reply.body, policy.maxEntryBytes).catch(() => undefined)
      const written =
        body === undefined ? undefined : buildEntry({ ...reply, body }, source, policy, Date.now())
      if (written) {
        await store.set(job.keys.entry, written.value, written.ttlMs)
      } else if (DROP_STATUSES.has(reply.status) || reply.status < 400) {
        await store.delete([job.keys.entry])
      }
    } finally {
      store.delete([job.keys.refreshLock]).catch(() => {})
    }
  }

  #call(job: RefreshJob) {
    const { exchange } = job
    return this.#options.forward({
      exchange,
      method: 'GET',
      target: exchange.target,
      headers: revalidationHeaders(
        job.rawHeaders,
        job.entry,
        {
          clientAddress: job.clientAddress,
          protocol: job.protocol,
          requestId: exchange.requestId,
        },
        true
      ),
      body: null,
      retries: 0,
    })
  }
}
