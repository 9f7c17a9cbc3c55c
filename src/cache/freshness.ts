/**
 * Freshness, age and staleness of a stored response (RFC 9111 §4.2, RFC 5861), and whether an
 * entry may answer a request given the request's directives (RFC 9111 §5.2.1). Pure: times are
 * passed in, in epoch milliseconds; lifetimes and ages are in seconds.
 */
import { deltaArgument, type Directives } from './cache-control.ts'
import { parseHttpDate } from './http-date.ts'
import { headerValue, headerValues } from '../http/headers.ts'

/**
 * A response's freshness lifetime (RFC 9111 §4.2.1) and where it came from: `explicit` from
 * `s-maxage`, `max-age` or `Expires`; `invalid` when one of those is present but malformed
 * (lifetime 0: the response is stale, §4.2.1 "encouraged to consider ... stale"); `heuristic`
 * from `CACHE_TTL_SECONDS`; `none` when that is 0 and the origin said nothing.
 */
export type Lifetime =
  | { readonly source: 'explicit' | 'invalid' | 'heuristic'; readonly seconds: number }
  | { readonly source: 'none'; readonly seconds: 0 }

/**
 * RFC 9111 §4.2.1: `s-maxage` (this is a shared cache), else `max-age`, else `Expires` − `Date`;
 * the first that is present decides, and a malformed one makes the response stale rather than
 * falling through to the next or to the heuristic. An `Expires` that is not an HTTP-date means
 * "already expired" (§5.3); a missing or invalid `Date` is replaced by the time the response was
 * received (RFC 9110 §6.6.1). Without any of them, `heuristicSeconds` (`CACHE_TTL_SECONDS`, the
 * out-of-band contract of §4.2.4) applies, or nothing when it is 0.
 *
 * @example
 * freshnessLifetime(['Cache-Control', 'max-age=-1'], cc, 60, now) // { source: 'invalid', seconds: 0 }
 */
export function freshnessLifetime(
  rawHeaders: readonly string[],
  directives: Directives,
  heuristicSeconds: number,
  receivedAt: number
): Lifetime {
  for (const name of ['s-maxage', 'max-age']) {
    const value = deltaArgument(directives, name)
    if (value === 'invalid') return { source: 'invalid', seconds: 0 }
    if (value !== undefined) return { source: 'explicit', seconds: value }
  }
  const expiresValues = headerValues(rawHeaders, 'expires')
  if (expiresValues.length > 0) {
    // Several Expires lines: §4.2.1 lets a cache take the response as stale.
    const expires =
      expiresValues.length === 1 ? parseHttpDate(expiresValues[0]!, receivedAt) : undefined
    if (expires === undefined) return { source: 'invalid', seconds: 0 }
    const dateValue = headerValues(rawHeaders, 'date')
    const date =
      (dateValue.length === 1 ? parseHttpDate(dateValue[0]!, receivedAt) : undefined) ?? receivedAt
    return { source: 'explicit', seconds: Math.max(0, Math.floor((expires - date) / 1000)) }
  }
  if (heuristicSeconds > 0) return { source: 'heuristic', seconds: heuristicSeconds }
  return { source: 'none', seconds: 0 }
}

// RFC 9111 §1.2.2: delta-seconds past 2^31 are taken as 2^31.
const AGE_MAX = 2 ** 31

/**
 * The `Age` field value (RFC 9111 §5.1): the first member of the list, when it is a
 * non-negative integer; anything else is ignored (0). So `7200, 0` is 7200 and `7200.0` is 0.
 */
export function ageValue(rawHeaders: readonly string[]): number {
  const value = headerValue(rawHeaders, 'age')
  if (value === undefined) return 0
  const first = value.split(',')[0]!.trim()
  if (!/^\d+$/.test(first)) return 0
  return Math.min(Number(first), AGE_MAX)
}

/**
 * The age a response already had when it arrived (RFC 9111 §4.2.3 `corrected_age_value`): the
 * upstream's `Age` plus the time the request spent in flight. The `Date`-based apparent age is
 * left out on purpose: `Date` has one-second resolution and an upstream clock may be skewed, and
 * either would make entries older than they are (documented in the README).
 */
export function initialAge(rawHeaders: readonly string[], sentAt: number, receivedAt: number) {
  return ageValue(rawHeaders) + Math.max(0, receivedAt - sentAt) / 1000
}

/** How long past its lifetime a response may be served stale, and when. */
export interface StaleRules {
  /** Response `no-cache` (RFC 9111 §5.2.2.4): stored, but validated before every use. */
  readonly alwaysRevalidate: boolean
  /**
   * Never served stale: `no-cache`, `must-revalidate`, `proxy-revalidate`, or `s-maxage`, which
   * implies `proxy-revalidate` for a shared cache (RFC 9111 §5.2.2.2, §5.2.2.8, §5.2.2.10).
   */
  readonly neverStale: boolean
  /** Seconds it may be served stale while a background refresh runs (RFC 5861 §3). */
  readonly whileRevalidate: number
  /** Seconds it may be served stale when revalidation fails with a server error (RFC 5861 §4). */
  readonly ifError: number
}

/**
 * The stale windows of a response. Precedence: a directive that forbids stale wins; else the
 * origin's `stale-while-revalidate` / `stale-if-error` replace `CACHE_STALE_SECONDS` for this
 * response (one named without the other means 0 for the other; a malformed one means 0); else
 * `CACHE_STALE_SECONDS` applies to both, except to a response with no freshness at all (lifetime
 * source `none`): in the origin-only mode nothing is served without revalidation that the
 * origin did not allow.
 */
export function staleRules(
  directives: Directives,
  lifetime: Lifetime,
  staleSeconds: number
): StaleRules {
  const alwaysRevalidate = directives.has('no-cache')
  const neverStale =
    alwaysRevalidate ||
    directives.has('must-revalidate') ||
    directives.has('proxy-revalidate') ||
    directives.has('s-maxage')
  if (neverStale) return { alwaysRevalidate, neverStale, whileRevalidate: 0, ifError: 0 }
  const swr = deltaArgument(directives, 'stale-while-revalidate')
  const sie = deltaArgument(directives, 'stale-if-error')
  if (swr !== undefined || sie !== undefined) {
    const seconds = (value: typeof swr) => (typeof value === 'number' ? value : 0)
    return { alwaysRevalidate, neverStale, whileRevalidate: seconds(swr), ifError: seconds(sie) }
  }
  const window = lifetime.source === 'none' ? 0 : staleSeconds
  return { alwaysRevalidate, neverStale, whileRevalidate: window, ifError: window }
}

/** What a stored entry knows about its own freshness. */
export interface EntryFreshness extends StaleRules {
  /** When its response arrived (RFC 9111 §4.2.3 `response_time`), epoch ms. */
  readonly receivedAt: number
  /** Seconds old on arrival (`corrected_initial_age`). */
  readonly initialAge: number
  /** Freshness lifetime in seconds. */
  readonly lifetime: number
}

/** The request directives of RFC 9111 §5.2.1 that bear on using a stored response. */
export interface RequestFreshness {
  /** `no-cache` (§5.2.1.4), or `max-age=0`: a stored response must be validated first. */
  readonly revalidate: boolean
  /** `max-age=N` (§5.2.1.1). */
  readonly maxAge: number | undefined
  /** `min-fresh=N` (§5.2.1.3). */
  readonly minFresh: number | undefined
  /** `max-stale[=N]` (§5.2.1.2); without a value any staleness (Infinity). */
  readonly maxStale: number | undefined
}

/** RFC 9111 §4.2.3 `current_age`, in seconds. */
export function currentAge(entry: EntryFreshness, now: number): number {
  return entry.initialAge + Math.max(0, now - entry.receivedAt) / 1000
}

/** `hit`: serve it. `stale`: serve it and refresh in the background. `miss`: validate or fetch. */
export type EntryUse = 'hit' | 'stale' | 'miss'

/**
 * Whether an entry can answer a request now without contacting the origin (RFC 9111 §4.2,
 * §4.2.4 and §5.2.1). A fresh entry is a hit unless the request's `max-age` or `min-fresh`
 * rule it out. A stale one is served (with a background refresh) only when nothing forbids it:
 * within the client's `max-stale` when it sent one, else within the response's
 * stale-while-revalidate window, and never when the client sent `max-age` or `min-fresh`
 * without `max-stale` (§5.2.1.1: it does not want a stale response then).
 */
export function entryUse(entry: EntryFreshness, request: RequestFreshness, now: number): EntryUse {
  if (request.revalidate || entry.alwaysRevalidate) return 'miss'
  const age = currentAge(entry, now)
  if (request.maxAge !== undefined && age > request.maxAge) return 'miss'
  const freshFor = entry.lifetime - age
  if (freshFor > 0) {
    return request.minFresh !== undefined && freshFor < request.minFresh ? 'miss' : 'hit'
  }
  if (entry.neverStale) return 'miss'
  if (request.maxStale !== undefined) return -freshFor <= request.maxStale ? 'stale' : 'miss'
  if (request.minFresh !== undefined || request.maxAge !== undefined) return 'miss'
  return -freshFor <= entry.whileRevalidate ? 'stale' : 'miss'
}

/**
 * Whether a stale entry may answer when its revalidation failed (RFC 5861 §4 `stale-if-error`,
 * or `CACHE_STALE_SECONDS`): within the window, "regardless of other freshness information", but
 * never when a response directive forbids stale (RFC 9111 §4.2.4).
 */
export function usableOnError(entry: EntryFreshness, now: number): boolean {
  if (entry.neverStale) return false
  return currentAge(entry, now) - entry.lifetime <= entry.ifError
}

// RFC 5861 §4 names 500, 502, 503 and 504. 598 (the Drive API's "timed out upstream") and 429
// are answers about the request, not an origin failure, and reach the client as they are.
const ERROR_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504])

/**
 * Whether an upstream outcome is an "error" that `stale-if-error` covers: 500, 502, 503 or 504
 * from the origin, or a gateway-made `UPSTREAM_*` error (no usable response came).
 */
export function isStaleIfErrorOutcome(status: number, gatewayErrorCode?: string): boolean {
  if (gatewayErrorCode !== undefined) return gatewayErrorCode.startsWith('UPSTREAM_')
  return ERROR_STATUSES.has(status)
}

/**
 * How long the store keeps an entry, in seconds from its arrival: to the end of its stale
 * windows, and, when it has a validator, at least `retainSeconds` past its lifetime so a
 * conditional request can still revalidate it (`CACHE_RETAIN_SECONDS`).
 */
export function retentionSeconds(
  entry: EntryFreshness,
  hasValidator: boolean,
  retainSeconds: number
): number {
  const stale = Math.max(entry.whileRevalidate, entry.ifError, hasValidator ? retainSeconds : 0)
  return entry.lifetime - entry.initialAge + stale
}
