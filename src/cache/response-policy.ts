/**
 * What may be stored and for how long (docs/architecture.md, "Cache"), citing RFC 9111. Pure: times
 * are passed in.
 */
import { parseCacheControl, type Directives } from './cache-control.ts'
import { headerValue, headerValues, listMembers } from '../http/headers.ts'

/** Why a response was not stored. */
export type NotStorableReason = 'status' | 'no-store' | 'set-cookie' | 'vary'

export type Storability =
  | { readonly storable: true; readonly directives: Directives }
  | { readonly storable: false; readonly reason: NotStorableReason }

/**
 * RFC 9111 §3 as this cache narrows it: a status from `CACHE_STATUSES` (200/203), no `no-store`
 * (§5.2.2.5), no `Set-Cookie` (a per-client side effect must not be replayed), no `Vary: *`
 * (§4.1: it never matches). `private` is stored on purpose although §5.2.2.7 forbids it to a
 * shared cache: every key here belongs to one caller, so the cache acts as that caller's private
 * cache. For the same reason a request with Authorization is cached (§3.5). Body size and
 * completeness are checked by the caller, which sees the body.
 */
export function storability(
  status: number,
  rawHeaders: readonly string[],
  statuses: ReadonlySet<number>
): Storability {
  if (!statuses.has(status)) return { storable: false, reason: 'status' }
  const directives = parseCacheControl(headerValues(rawHeaders, 'cache-control'))
  if (directives.has('no-store')) return { storable: false, reason: 'no-store' }
  if (headerValue(rawHeaders, 'set-cookie') !== undefined) {
    return { storable: false, reason: 'set-cookie' }
  }
  if (varyNames(rawHeaders).includes('*')) return { storable: false, reason: 'vary' }
  return { storable: true, directives }
}

/** The field names listed in `Vary`, lower-cased (RFC 9110 §12.5.5). */
export function varyNames(rawHeaders: readonly string[]): string[] {
  return listMembers(headerValue(rawHeaders, 'vary')).map((name) => name.toLowerCase())
}

/** Whether a response carries a validator a conditional request can use (RFC 9110 §8.8). */
export function hasValidator(rawHeaders: readonly string[]): boolean {
  return (
    headerValue(rawHeaders, 'etag') !== undefined ||
    headerValue(rawHeaders, 'last-modified') !== undefined
  )
}
