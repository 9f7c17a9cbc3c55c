import type { SharedResponse } from './coalescer.ts'
import {
  encodeEntry,
  ENTRY_FORMAT_VERSION,
  entryTtlMs,
  MAX_ENTRY_MS,
  type EntryMeta,
} from './entry.ts'
import { varyDigest } from './key.ts'
import { headerValue, withoutHeaders } from '../http/headers.ts'
import {
  freshnessLifetime,
  initialAge,
  revalidationRules,
  storability,
  varyNames,
} from './response-policy.ts'

/** The `CACHE_*` settings that decide what is stored and for how long. */
export interface EntryPolicy {
  readonly ttlSeconds: number
  readonly staleSeconds: number
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
 * stored (DESIGN §7: status, `no-store`, `Set-Cookie`, `Vary: *`, no body or one over the cap).
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
): { value: Buffer; ttlMs: number } | undefined {
  const { body } = response
  if (body === null || body.length > policy.maxEntryBytes) return undefined
  const verdict = storability(response.status, response.rawHeaders, policy.statuses)
  if (!verdict.storable) return undefined
  const { alwaysRevalidate, neverStale } = revalidationRules(verdict.directives)
  const meta: EntryMeta = {
    v: ENTRY_FORMAT_VERSION,
    status: response.status,
    ...(response.statusText !== undefined && { statusText: response.statusText }),
    headers: withoutHeaders(response.rawHeaders, NOT_STORED_HEADERS),
    receivedAt: source.receivedAt,
    initialAge: initialAge(response.rawHeaders, source.sentAt, source.receivedAt),
    lifetime: freshnessLifetime(
      response.rawHeaders,
      verdict.directives,
      policy.ttlSeconds,
      source.receivedAt
    ),
    generations: source.generations,
    vary: varyDigest(varyNames(response.rawHeaders), source.requestHeaders),
    ...(headerValue(response.rawHeaders, 'etag') !== undefined && {
      etag: headerValue(response.rawHeaders, 'etag'),
    }),
    ...(alwaysRevalidate && { alwaysRevalidate }),
    ...(neverStale && { neverStale }),
  }
  // Kept no longer than MAX_ENTRY_MS after its generations were read: generation keys live
  // longer than that, so an entry never outlives the generation it must match.
  const ttlMs = Math.min(
    entryTtlMs(meta, policy.staleSeconds) - (now - source.receivedAt),
    source.sentAt + MAX_ENTRY_MS - now
  )
  if (ttlMs <= 0) return undefined
  return { value: encodeEntry({ meta, body }), ttlMs }
}
