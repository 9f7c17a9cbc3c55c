import type { Reply } from '../exchange/types.ts'
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

const SHARED_DROPPED: ReadonlySet<string> = new Set(['x-request-id', 'x-cache-status'])

/**
 * The reply for a request answered from an entry: the stored response with `Age` (RFC 9111
 * §5.1), no body for HEAD, or a 304 when `If-None-Match` matches the stored ETag.
 */
export function replyFromEntry(entry: CacheEntry, request: LookupRequest, now: number): Reply {
  const { meta } = entry
  const age = Math.floor(currentAge(meta, now))
  if (request.ifNoneMatch !== undefined && ifNoneMatchFails(request.ifNoneMatch, meta.etag)) {
    return {
      status: 304,
      statusText: 'Not Modified',
      rawHeaders: onlyHeaders(meta.headers, NOT_MODIFIED_HEADERS),
      age,
      body: null,
      source: 'cache',
    }
  }
  return {
    status: meta.status,
    ...(meta.statusText !== undefined && { statusText: meta.statusText }),
    rawHeaders: meta.headers,
    age,
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

/** A waiter's reply: the shared response, without its body for a HEAD. */
export function replyFromShared(shared: SharedResponse, head: boolean): Reply {
  return {
    status: shared.status,
    ...(shared.statusText !== undefined && { statusText: shared.statusText }),
    rawHeaders: shared.rawHeaders,
    body: head ? null : shared.body,
    source: 'cache',
  }
}
