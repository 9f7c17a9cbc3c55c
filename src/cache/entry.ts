/**
 * A stored response: its metadata as one JSON line, then the body bytes. One store value per
 * entry, so a hit is one read. Pure.
 */
import type { LookupRequest } from './request-policy.ts'

const VERSION = 1
const NEWLINE = 0x0a

/** Everything needed to replay a response and judge its freshness. Times are epoch ms. */
export interface EntryMeta {
  readonly v: typeof VERSION
  readonly status: number
  readonly statusText?: string
  /** Flat raw headers as the client should see them (no Age, X-Request-Id or X-Cache-Status). */
  readonly headers: readonly string[]
  readonly receivedAt: number
  /** Seconds old on arrival (RFC 9111 §4.2.3 corrected age). */
  readonly initialAge: number
  /** Freshness lifetime in seconds (RFC 9111 §4.2.1). */
  readonly lifetime: number
  /** Generation tokens read before the upstream call; the entry is dead once one changes. */
  readonly generations: readonly string[]
  /** Digest of the request's values for `Vary` fields outside the key ('' when none). */
  readonly vary: string
  readonly etag?: string
  /** Response `no-cache`: stored, but revalidated on every use. */
  readonly alwaysRevalidate?: boolean
  /** `must-revalidate`: never served stale. */
  readonly neverStale?: boolean
}

export interface CacheEntry {
  readonly meta: EntryMeta
  readonly body: Buffer
}

export function encodeEntry({ meta, body }: CacheEntry): Buffer {
  const head = Buffer.from(JSON.stringify(meta) + '\n')
  return Buffer.concat([head, body], head.length + body.length)
}

/** Undefined for anything that is not an entry of this version (foreign or corrupt values). */
export function decodeEntry(value: Buffer): CacheEntry | undefined {
  const newline = value.indexOf(NEWLINE)
  if (newline < 0) return undefined
  try {
    const meta = JSON.parse(value.toString('utf8', 0, newline)) as EntryMeta
    if (meta?.v !== VERSION || !Array.isArray(meta.headers)) return undefined
    return { meta, body: value.subarray(newline + 1) }
  } catch {
    return undefined
  }
}

/** RFC 9111 §4.2.3 `current_age`, in seconds. */
export function currentAge(meta: EntryMeta, now: number): number {
  return meta.initialAge + Math.max(0, now - meta.receivedAt) / 1000
}

/**
 * How long the store should keep an entry: until the end of its stale window, and never more
 * than {@link MAX_ENTRY_MS}. Zero or less means it is not worth storing.
 */
export function entryTtlMs(meta: EntryMeta, staleSeconds: number): number {
  const ms = (meta.lifetime - meta.initialAge + (meta.neverStale ? 0 : staleSeconds)) * 1000
  return Math.min(Math.floor(ms), MAX_ENTRY_MS)
}

/**
 * The longest an entry is kept, whatever the upstream's max-age. Generation keys outlive it, so
 * an expired generation can never bring an invalidated entry back (see `invalidation.ts`).
 */
export const MAX_ENTRY_MS = 24 * 60 * 60 * 1000

/** `hit`: serve it. `stale`: serve it and refresh in the background. `miss`: go upstream. */
export type EntryUse = 'hit' | 'stale' | 'miss'

/**
 * Whether an entry can answer a request now (RFC 9111 §4.2 and the request directives of
 * §5.2.1). Stale entries are served only within `staleSeconds` past their lifetime and never
 * when the request or the response forbids it (§4.2.4).
 */
export function entryUse(
  meta: EntryMeta,
  request: LookupRequest,
  now: number,
  staleSeconds: number
): EntryUse {
  if (request.revalidate || meta.alwaysRevalidate) return 'miss'
  const age = currentAge(meta, now)
  if (request.maxAge !== undefined && age > request.maxAge) return 'miss'
  const freshFor = meta.lifetime - age
  if (freshFor > 0) {
    return request.minFresh !== undefined && freshFor < request.minFresh ? 'miss' : 'hit'
  }
  if (meta.neverStale || request.minFresh !== undefined) return 'miss'
  return -freshFor <= staleSeconds ? 'stale' : 'miss'
}
