/**
 * What may be stored and for how long (DESIGN §7), citing RFC 9111. Pure: times are passed in.
 */
import { deltaSeconds, parseCacheControl, type Directives } from './cache-control.ts'
import { headerValue, headerValues, listMembers } from './raw-headers.ts'

/** Why a response was not stored. */
export type NotStorableReason = 'status' | 'no-store' | 'set-cookie' | 'vary'

export type Storability =
  | { readonly storable: true; readonly directives: Directives }
  | { readonly storable: false; readonly reason: NotStorableReason }

/**
 * RFC 9111 §3 as DESIGN §7 narrows it: a status from `CACHE_STATUSES` (200/203), no `no-store`
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

function httpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

/**
 * Freshness lifetime in seconds (RFC 9111 §4.2.1): `s-maxage` (this is a shared cache), then
 * `max-age`, then `Expires` − `Date`; with none of them, `defaultSeconds` (`CACHE_TTL_SECONDS`)
 * stands in for a heuristic. An `Expires` that is not a valid date means "already expired" (§5.3).
 */
export function freshnessLifetime(
  rawHeaders: readonly string[],
  directives: Directives,
  defaultSeconds: number,
  receivedAt: number
): number {
  const shared = deltaSeconds(directives, 's-maxage')
  if (shared !== undefined) return shared
  const maxAge = deltaSeconds(directives, 'max-age')
  if (maxAge !== undefined) return maxAge
  const expiresRaw = headerValue(rawHeaders, 'expires')
  if (expiresRaw !== undefined) {
    const expires = httpDate(expiresRaw)
    if (expires === undefined) return 0
    const date = httpDate(headerValue(rawHeaders, 'date')) ?? receivedAt
    return Math.max(0, Math.floor((expires - date) / 1000))
  }
  return defaultSeconds
}

/**
 * The age a response already had when it arrived (RFC 9111 §4.2.3 `corrected_age_value`): the
 * upstream's `Age` plus the time the request spent in flight. The `Date`-based apparent age is
 * left out on purpose: a skewed upstream clock would otherwise make every entry stale at once.
 */
export function initialAge(rawHeaders: readonly string[], sentAt: number, receivedAt: number) {
  const age = Number(headerValue(rawHeaders, 'age'))
  const ageValue = Number.isFinite(age) && age > 0 ? age : 0
  return ageValue + Math.max(0, receivedAt - sentAt) / 1000
}

/**
 * `no-cache` (§5.2.2.4) is stored but must be revalidated on every use; `must-revalidate` and
 * `proxy-revalidate` (§5.2.2.2, §5.2.2.8) forbid serving it stale.
 */
export function revalidationRules(directives: Directives) {
  return {
    alwaysRevalidate: directives.has('no-cache'),
    neverStale: directives.has('must-revalidate') || directives.has('proxy-revalidate'),
  }
}
