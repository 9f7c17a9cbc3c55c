import type { SharedResponse } from './coalescer.ts'
import {
  encodeEntry,
  ENTRY_FORMAT_VERSION,
  freshnessOf,
  MAX_ENTRY_MS,
  type CacheEntry,
  type EntryMeta,
} from './entry.ts'
import { freshnessLifetime, initialAge, retentionSeconds, staleRules } from './freshness.ts'
import { varyDigest } from './key.ts'
import { headerValue, withoutHeaders } from '../http/headers.ts'
import { hasValidator, storability, varyNames } from './response-policy.ts'

/** The `CACHE_*` settings that decide what is stored and for how long. */
export interface EntryPolicy {
  readonly ttlSeconds: number
  readonly staleSeconds: number
  readonly retainSeconds: number
  readonly statuses: ReadonlySet<number>
  readonly maxEntryBytes: number
}

/** Where a response came from: the request and the generations read before it was sent. */
export interface EntrySource {
  readonly requestHeaders: readonly string[]
  readonly generations: readonly string[]
  /** When the upstream request went out and when its response headers arrived (epoch ms). */
  readonly sentAt: number
  readonly receivedAt: number
}

// Per-response fields: Age is recomputed on every hit; ids and our status belong to one exchange.
const NOT_STORED_HEADERS: ReadonlySet<string> = new Set(['age', 'x-request-id', 'x-cache-status'])

/**
 * The store value and lifetime for a complete response, or undefined when it must not be
 * stored: status, `no-store`, `Set-Cookie`, `Vary: *`, no body or one over the cap; and, with
 * `CACHE_TTL_SECONDS=0`, a response with neither explicit freshness nor a validator (it could
 * never be used without a full fetch). `entry` is what was encoded, for a caller that replies
 * from it at once (a 304 merge).
 *
 * @example
 * const written = buildEntry(response, source, policy, Date.now())
 * if (written) store.set(keys.entry, written.value, written.ttlMs)
 */
export function buildEntry(
  response: SharedResponse,
  source: EntrySource,
  policy: EntryPolicy,
  now: number
): { value: Buffer; ttlMs: number; entry: CacheEntry } | undefined {
  const { body } = response
  if (body === null || body.length > policy.maxEntryBytes) return undefined
  const verdict = storability(response.status, response.rawHeaders, policy.statuses)
  if (!verdict.storable) return undefined
  const lifetime = freshnessLifetime(
    response.rawHeaders,
    verdict.directives,
    policy.ttlSeconds,
    source.receivedAt
  )
  const validator = hasValidator(response.rawHeaders)
  if (lifetime.source === 'none' && !validator) return undefined
  const stale = staleRules(verdict.directives, lifetime, policy.staleSeconds)
  const meta: EntryMeta = {
    v: ENTRY_FORMAT_VERSION,
    status: response.status,
    ...(response.statusText !== undefined && { statusText: response.statusText }),
    headers: withoutHeaders(response.rawHeaders, NOT_STORED_HEADERS),
    receivedAt: source.receivedAt,
    initialAge: initialAge(response.rawHeaders, source.sentAt, source.receivedAt),
    lifetime: lifetime.seconds,
    generations: source.generations,
    vary: varyDigest(varyNames(response.rawHeaders), source.requestHeaders),
    ...(headerValue(response.rawHeaders, 'etag') !== undefined && {
      etag: headerValue(response.rawHeaders, 'etag'),
    }),
    ...(stale.alwaysRevalidate && { alwaysRevalidate: true }),
    ...(stale.neverStale && { neverStale: true }),
    staleWhileRevalidate: stale.whileRevalidate,
    staleIfError: stale.ifError,
  }
  // Kept to the end of its stale windows (or CACHE_RETAIN_SECONDS past its lifetime when it
  // can be revalidated), and no longer than MAX_ENTRY_MS after its generations were read:
  // generation keys live longer than that, so an entry never outlives the generation it must
  // match.
  const retainMs = retentionSeconds(freshnessOf(meta), validator, policy.retainSeconds) * 1000
  const ttlMs = Math.floor(
    Math.min(
      Math.min(retainMs, MAX_ENTRY_MS) - (now - source.receivedAt),
      source.sentAt + MAX_ENTRY_MS - now
    )
  )
  if (ttlMs <= 0) return undefined
  const entry: CacheEntry = { meta, body }
  return { value: encodeEntry(entry), ttlMs, entry }
}
