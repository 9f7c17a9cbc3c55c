import type { Reply } from '../exchange/types.ts'
import type { CacheStatus } from '../labels/index.ts'
import type { SharedResponse } from './coalescer.ts'
import { currentAge, type CacheEntry } from './entry.ts'
import { onlyHeaders, withoutHeaders } from '../http/headers.ts'
import { ifNoneMatchFails, type LookupRequest } from './request-policy.ts'

// RFC 9110 §15.4.5: a 304 carries the fields a 200 would have sent among these.
const NOT_MODIFIED_HEADERS: ReadonlySet<string> = new Set([
  'cache-control',
  'content-location',
  'date',
  'etag',
  'expires',
  'vary',
])

const OWN_HEADERS: ReadonlySet<string> = new Set(['x-cache-status'])
const SHARED_DROPPED: ReadonlySet<string> = new Set(['x-request-id', 'x-cache-status'])

/**
 * The reply for a request answered from an entry: the stored response with `Age` (RFC 9111
 * §5.1), no body for HEAD, or a 304 when `If-None-Match` matches the stored ETag.
 */
export function replyFromEntry(entry: CacheEntry, request: LookupRequest, now: number): Reply {
  const { meta } = entry
  const age = String(Math.floor(currentAge(meta, now)))
  if (request.ifNoneMatch !== undefined && ifNoneMatchFails(request.ifNoneMatch, meta.etag)) {
    return {
      status: 304,
      statusText: 'Not Modified',
      rawHeaders: [...onlyHeaders(meta.headers, NOT_MODIFIED_HEADERS), 'Age', age],
      body: null,
      source: 'cache',
    }
  }
  return {
    status: meta.status,
    ...(meta.statusText !== undefined && { statusText: meta.statusText }),
    rawHeaders: [...meta.headers, 'Age', age],
    body: request.head ? null : entry.body,
    source: 'cache',
  }
}

/** What waiters receive of a leader's response: without the leader's request id. */
export function shareable(reply: Reply, body: Buffer | null): SharedResponse {
  return {
    status: reply.status,
    ...(reply.statusText !== undefined && { statusText: reply.statusText }),
    rawHeaders: withoutHeaders(reply.rawHeaders, SHARED_DROPPED),
    body,
  }
}

/** A waiter's own copy of a shared response (stages after this one append to its headers). */
export function replyFromShared(shared: SharedResponse, head: boolean): Reply {
  return {
    status: shared.status,
    ...(shared.statusText !== undefined && { statusText: shared.statusText }),
    rawHeaders: [...shared.rawHeaders],
    body: head ? null : shared.body,
    source: 'cache',
  }
}

/**
 * Adds `X-Cache-Status` (DESIGN §7: the upper-case status). One the upstream sent is dropped:
 * two with different meanings would mislead whoever reads them.
 */
export function labelReply(reply: Reply | undefined, status: CacheStatus): void {
  if (!reply) return
  for (let i = 0; i < reply.rawHeaders.length; i += 2) {
    if (reply.rawHeaders[i]!.toLowerCase() === 'x-cache-status') {
      reply.rawHeaders = withoutHeaders(reply.rawHeaders, OWN_HEADERS)
      break
    }
  }
  reply.rawHeaders.push('X-Cache-Status', status.toUpperCase())
}
