import type { Exchange } from '../exchange/exchange.ts'
import { gatewayReply } from '../exchange/gateway-reply.ts'
import type { Reply } from '../exchange/types.ts'
import { toGatewayError } from '../http/errors.ts'
import { withoutHeaders } from '../http/headers.ts'
import type { CacheStatus } from '../labels/index.ts'
import type { Forward } from '../proxy/forward.ts'
import { freshnessOf, type CacheEntry } from './entry.ts'
import { buildEntry, type EntryPolicy } from './entry-writer.ts'
import { isStaleIfErrorOutcome, usableOnError } from './freshness.ts'
import type { GuardedStore } from './guarded-store.ts'
import { notModifiedMatches } from './not-modified.ts'
import { replyFromEntry } from './replies.ts'
import type { LookupRequest } from './request-policy.ts'
import {
  discardBody,
  notModifiedResponse,
  revalidationHeaders,
  type ClientSide,
} from './revalidation.ts'

const AGE: ReadonlySet<string> = new Set(['age'])

export interface PathRevalidationOptions {
  readonly forward: Forward
  readonly store: GuardedStore
  readonly policy: EntryPolicy
  readonly now: () => number
}

/** One request that found an entry it may not use as it is. */
export interface Revalidation {
  readonly exchange: Exchange
  readonly request: LookupRequest
  readonly entry: CacheEntry
  readonly entryKey: string
  readonly requestHeaders: readonly string[]
  readonly generations: readonly string[]
  readonly client: ClientSide
}

/**
 * What became of it: `revalidated` (a 304 confirmed the entry; the reply is the stored
 * response with the updated headers), `stale` (the upstream failed and `stale-if-error` allows
 * the entry), `answered` (the upstream's own reply, a new 200 or an error, is on the exchange),
 * or `refetch` (a 304 for some other representation: go upstream in full).
 */
export type RevalidationResult = 'revalidated' | 'stale' | 'answered' | 'refetch'

/**
 * Request-path revalidation (RFC 9111 §4.3): a conditional request built from the entry's
 * validators, sent through the gateway's one upstream client. A matching 304 updates the
 * stored headers and freshness (§4.3.4, §3.2), and the client gets the full stored response;
 * the updated entry is written without waiting for the store.
 *
 * @example
 * const result = await revalidate({ exchange, request, entry, entryKey, ... })
 */
export function pathRevalidation(options: PathRevalidationOptions) {
  const { forward, store, policy, now } = options

  /** Serves the entry stale when the failure is one `stale-if-error` covers. */
  function staleOnError(job: Revalidation, status: number, code?: string): boolean {
    if (!isStaleIfErrorOutcome(status, code)) return false
    if (!usableOnError(freshnessOf(job.entry.meta), now())) return false
    job.exchange.reply = replyFromEntry(job.entry, job.request, now())
    return true
  }

  return async function revalidate(job: Revalidation): Promise<RevalidationResult> {
    const { exchange } = job
    const sentAt = now()
    let reply: Reply
    try {
      reply = await forward({
        exchange,
        method: exchange.method,
        target: exchange.target,
        headers: revalidationHeaders(job.requestHeaders, job.entry, job.client, false),
        body: null,
      })
    } catch (error) {
      const failure = toGatewayError(error)
      if (staleOnError(job, failure.status, failure.code)) return 'stale'
      exchange.reply = gatewayReply(failure.code)
      exchange.gatewayError = failure
      return 'answered'
    }
    const receivedAt = now()
    if (reply.status !== 304) {
      if (staleOnError(job, reply.status)) {
        discardBody(reply.body)
        return 'stale'
      }
      exchange.reply = reply
      return 'answered'
    }
    discardBody(reply.body)
    if (!notModifiedMatches(job.entry.meta.headers, reply.rawHeaders)) return 'refetch'
    const updated = notModifiedResponse(job.entry, reply.rawHeaders)
    const source = {
      requestHeaders: job.requestHeaders,
      generations: job.generations,
      sentAt,
      receivedAt,
    }
    const written = buildEntry(updated, source, policy, now())
    // Not storable any more (the 304 said no-store, or set a cookie): the client still gets
    // the updated response, and the entry goes.
    void (
      written ? store.set(job.entryKey, written.value, written.ttlMs) : store.delete([job.entryKey])
    ).catch(() => {})
    const entry: CacheEntry = written?.entry ?? {
      meta: {
        ...job.entry.meta,
        headers: withoutHeaders(updated.rawHeaders, AGE),
        receivedAt,
        initialAge: 0,
      },
      body: job.entry.body,
    }
    exchange.reply = replyFromEntry(entry, job.request, now())
    return 'revalidated'
  }
}

/** The label each result gives the request (`answered` keeps the lookup's own). */
export function resultStatus(result: RevalidationResult, lookup: CacheStatus): CacheStatus {
  return result === 'revalidated' || result === 'stale' ? result : lookup
}
