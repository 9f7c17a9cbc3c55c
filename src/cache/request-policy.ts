/**
 * What a request asks of the cache (docs/architecture.md, "Cache"), from its method, route and
 * headers. Pure. RFC 9111 references are to the request directives of §5.2.1.
 */
import type { RouteMatch } from '../routes/types.ts'
import { deltaSeconds, parseCacheControl } from './cache-control.ts'
import { headerValue, headerValues } from '../http/headers.ts'

/** Why a request is passed through without the cache (`X-Cache-Status: BYPASS`). */
export type BypassReason =
  'method' | 'route' | 'credentials' | 'no-store' | 'range' | 'precondition'

/** An eligible lookup: what the request allows the cache to answer with. */
export interface LookupRequest {
  /** HEAD: forwarded as HEAD, may be answered from a GET entry, never stored. */
  readonly head: boolean
  /**
   * `no-cache`, or an age limit of 0: a stored response may not be used without validation
   * (§5.2.1.4, §5.2.1.1). It still may be validated and then used: `no-cache` never bypasses
   * storage.
   */
  readonly revalidate: boolean
  /** `max-age=N`: only a response at most N seconds old is acceptable (§5.2.1.1). */
  readonly maxAge: number | undefined
  /** `min-fresh=N`: only a response fresh for N more seconds is acceptable (§5.2.1.3). */
  readonly minFresh: number | undefined
  /**
   * `max-stale[=N]`: a response stale by at most N seconds is acceptable; without a value, any
   * stale response (Infinity) (§5.2.1.2). A malformed value is ignored.
   */
  readonly maxStale: number | undefined
  /**
   * `only-if-cached`: answer from storage or with 504 `NOT_CACHED`, never contact the upstream
   * (§5.2.1.7).
   */
  readonly onlyIfCached: boolean
  /** `If-None-Match`, answered 304 from an entry whose ETag matches (RFC 9110 §13.1.2). */
  readonly ifNoneMatch: string | undefined
  /**
   * `If-None-Match` or `If-Modified-Since`: on a miss they go upstream as sent, and the answer
   * may be a 304 meant for this client alone, so such a request neither leads nor joins a
   * coalesced upstream call. On a hit, If-Modified-Since is not evaluated: a 200 is a valid
   * answer (RFC 9110 §13.2.1 lets a server ignore it).
   */
  readonly conditional: boolean
}

export type RequestPlan =
  | { readonly kind: 'lookup'; readonly request: LookupRequest }
  | { readonly kind: 'mutation' }
  | { readonly kind: 'bypass'; readonly reason: BypassReason }

// RFC 9111 §4.3.2: If-Match and If-Unmodified-Since do not apply to a cache, and If-Range only
// matters with Range; requests with them go to the upstream untouched.
const ORIGIN_PRECONDITIONS = ['if-match', 'if-unmodified-since', 'if-range']

/** True when the request carries credentials: only those are cached, each under its caller. */
function hasCredentials(rawHeaders: readonly string[]): boolean {
  return headerValues(rawHeaders, 'authorization').some((value) => value.trim() !== '')
}

/**
 * Decides what the cache does with a request. Eligible: GET and HEAD on `lookup` routes, with
 * credentials and without `no-store` (§5.2.1.5), `Range` (a partial answer is not the entry)
 * or an origin-only precondition.
 * Any method on a `mutation` route, and any write on a `transfer` route (an upload), invalidates
 * what it names. Everything else bypasses.
 *
 * @example
 * planRequest('GET', match, ['Authorization', 'Bearer t']) // { kind: 'lookup', request: {...} }
 */
export function planRequest(
  method: string,
  match: RouteMatch | undefined,
  rawHeaders: readonly string[]
): RequestPlan {
  const read = method === 'GET' || method === 'HEAD'
  // An upload is a `transfer` (never cached, out of latency SLIs) but still a write.
  if (match?.route.kind === 'mutation' || (match?.route.kind === 'transfer' && !read)) {
    return { kind: 'mutation' }
  }
  if (!read) return { kind: 'bypass', reason: 'method' }
  if (match?.route.kind !== 'lookup') return { kind: 'bypass', reason: 'route' }
  if (!hasCredentials(rawHeaders)) return { kind: 'bypass', reason: 'credentials' }
  const directives = parseCacheControl(headerValues(rawHeaders, 'cache-control'))
  if (directives.has('no-store')) return { kind: 'bypass', reason: 'no-store' }
  if (headerValue(rawHeaders, 'range') !== undefined) return { kind: 'bypass', reason: 'range' }
  if (ORIGIN_PRECONDITIONS.some((name) => headerValue(rawHeaders, name) !== undefined)) {
    return { kind: 'bypass', reason: 'precondition' }
  }
  const maxAge = deltaSeconds(directives, 'max-age')
  const ifNoneMatch = headerValue(rawHeaders, 'if-none-match')
  return {
    kind: 'lookup',
    request: {
      head: method === 'HEAD',
      revalidate: directives.has('no-cache') || maxAge === 0,
      maxAge,
      minFresh: deltaSeconds(directives, 'min-fresh'),
      maxStale:
        directives.get('max-stale') === true ? Infinity : deltaSeconds(directives, 'max-stale'),
      onlyIfCached: directives.has('only-if-cached'),
      ifNoneMatch,
      conditional:
        ifNoneMatch !== undefined || headerValue(rawHeaders, 'if-modified-since') !== undefined,
    },
  }
}

/** Strips `W/` for the weak comparison of RFC 9110 §8.8.3.2. */
function opaqueTag(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag
}

/**
 * RFC 9110 §13.1.2: If-None-Match is false (answer 304) when `*` is sent and a representation
 * exists, or when one of the listed entity tags matches the stored one by weak comparison.
 */
export function ifNoneMatchFails(ifNoneMatch: string, etag: string | undefined): boolean {
  if (ifNoneMatch.trim() === '*') return true
  if (etag === undefined) return false
  const stored = opaqueTag(etag.trim())
  return (ifNoneMatch.match(/(?:W\/)?"[^"]*"/g) ?? []).some((tag) => opaqueTag(tag) === stored)
}
