import type { Exchange } from '../exchange/exchange.ts'
import { tapBody } from './body-tap.ts'
import type { Coalescer, Flight } from './coalescer.ts'
import { buildEntry, type EntryPolicy, type EntrySource } from './entry-writer.ts'
import type { GuardedStore } from './guarded-store.ts'
import type { LookupKeys } from './key.ts'
import { shareable } from './replies.ts'
import { storability } from './response-policy.ts'

/** What the leader of a miss knows once the upstream stage has returned. */
export interface LeaderOutcome {
  readonly exchange: Exchange
  /** The leader's own client left before its reply was written. */
  readonly clientGone: boolean
  /** Its flight, when other requests may share the answer. */
  readonly flight: Flight | undefined
  readonly coalescer: Coalescer
  readonly store: GuardedStore
  readonly policy: EntryPolicy
  readonly lookupKeys: LookupKeys
  /** Shown every complete 2xx upstream body (parent hints from listings). */
  readonly learn?: (body: Buffer) => void
  /** Whether a storable answer may be written (generations known, not a HEAD). */
  readonly write: boolean
  readonly source: EntrySource
  readonly now: () => number
}

/**
 * Finishes a miss: writes a storable answer once its body is complete, and gives waiters the
 * same answer, stored or not, as soon as it is known. A small body is known at once; a
 * streaming one is copied as it flows to the leader's client (up to `CACHE_MAX_ENTRY_BYTES`),
 * and waiters are let go to make their own call when it is larger or breaks. The store write is
 * not awaited: no client waits for it.
 */
export function settleLeader(outcome: LeaderOutcome): void {
  const { exchange, flight, coalescer, policy } = outcome
  const reply = exchange.reply
  // No reply, or the leader's client left and so aborted the call: nothing worth sharing.
  if (!reply || (reply.source === 'gateway' && outcome.clientGone)) {
    if (flight) coalescer.release(flight)
    return
  }
  const origin = reply
  const complete = (body: Buffer | null) => {
    if (body !== null && reply.source === 'upstream' && reply.status < 300) outcome.learn?.(body)
    const shared = shareable(origin, body)
    const written =
      outcome.write && reply.source === 'upstream'
        ? buildEntry(shared, outcome.source, policy, outcome.now())
        : undefined
    const stored = written
      ? outcome.store.set(outcome.lookupKeys.entry, written.value, written.ttlMs).catch(() => {})
      : undefined
    if (flight) coalescer.settle(flight, shared, stored)
  }
  const body = reply.body
  if (body === null || Buffer.isBuffer(body)) {
    complete(body)
    return
  }
  const storable =
    outcome.write &&
    reply.source === 'upstream' &&
    storability(reply.status, reply.rawHeaders, policy.statuses).storable
  if (!storable && (flight?.waiters ?? 0) === 0) {
    if (flight) coalescer.release(flight)
    return
  }
  void tapBody(body, policy.maxEntryBytes).then((copy) => {
    if (copy) complete(copy)
    else if (flight) coalescer.release(flight)
  })
}
