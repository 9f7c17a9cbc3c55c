/**
 * What the request path and the background refresh share to revalidate a stored response
 * (RFC 9111 §4.3): the upstream request's header list, and the response a matching 304 stands
 * for once merged into the entry.
 */
import type { Readable } from 'node:stream'
import { headerValue, upstreamRequestHeaders, withoutHeaders } from '../http/headers.ts'
import type { SharedResponse } from './coalescer.ts'
import type { CacheEntry } from './entry.ts'
import { conditionalHeaders, mergeNotModified } from './not-modified.ts'

// The gateway asks its own question: the client's validators and ranges are for the client's
// copy, not for the entry (a client conditional request is not revalidated this way at all).
const CLIENT_CONDITIONS: ReadonlySet<string> = new Set([
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
  'range',
])
// A background refresh fetches for the entry, whoever's request started it.
const REFRESH_DROPPED: ReadonlySet<string> = new Set([...CLIENT_CONDITIONS, 'cache-control'])

export interface ClientSide {
  readonly clientAddress: string | undefined
  readonly protocol: string
  readonly requestId: string
}

/**
 * The header list of a request that revalidates `entry` (or, without one, fetches it in full):
 * the client's fields (credentials and negotiation select the same representation), without
 * its own conditions, plus `If-None-Match` / `If-Modified-Since` from the entry's validators.
 * `background`: a refresh also drops the client's `Cache-Control`.
 */
export function revalidationHeaders(
  clientHeaders: readonly string[],
  entry: CacheEntry | undefined,
  client: ClientSide,
  background: boolean
): string[] {
  const own = withoutHeaders(clientHeaders, background ? REFRESH_DROPPED : CLIENT_CONDITIONS)
  const headers = upstreamRequestHeaders(own, client)
  if (entry) headers.push(...conditionalHeaders(entry.meta.headers))
  return headers
}

/** Whether an entry can be revalidated with a conditional request. */
export function canRevalidate(entry: CacheEntry): boolean {
  return conditionalHeaders(entry.meta.headers).length > 0
}

/**
 * The stored response updated by a matching 304 (RFC 9111 §4.3.4): its status and body, its
 * headers merged with the 304's (§3.2). The 304's own `Age` rides along so the new entry's age
 * starts from it; it is not stored.
 */
export function notModifiedResponse(
  entry: CacheEntry,
  notModified: readonly string[]
): SharedResponse {
  const age = headerValue(notModified, 'age')
  return {
    status: entry.meta.status,
    ...(entry.meta.statusText !== undefined && { statusText: entry.meta.statusText }),
    rawHeaders: [
      ...mergeNotModified(entry.meta.headers, notModified),
      ...(age !== undefined ? ['Age', age] : []),
    ],
    body: entry.body,
  }
}

/**
 * Drains an upstream body nobody will read (a 304's, or an error's replaced by a stale entry),
 * so its connection goes back to the pool instead of being cut.
 */
export function discardBody(body: Buffer | Readable | null): void {
  if (body === null || Buffer.isBuffer(body)) return
  body.on('error', () => {})
  body.resume()
}
