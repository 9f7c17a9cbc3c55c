/**
 * A stored response: its metadata as one JSON line, then the body bytes. One store value per
 * entry, so a hit is one read. Entries are immutable: a revalidation writes a new one. The
 * format has a version, and the version is part of every entry key (see `key.ts`), so a gateway
 * with a new format never reads an old entry: old ones age out. Pure.
 */
import {
  currentAge as ageOf,
  entryUse as useOf,
  type EntryFreshness,
  type EntryUse,
  type RequestFreshness,
} from './freshness.ts'

export type { EntryUse } from './freshness.ts'

/** The entry format's version; part of the entry key. 3: stale windows per entry. */
export const ENTRY_FORMAT_VERSION = 3
const VERSION = ENTRY_FORMAT_VERSION
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
  /** `no-cache`, `must-revalidate`, `proxy-revalidate` or `s-maxage`: never served stale. */
  readonly neverStale?: boolean
  /**
   * Seconds past its lifetime it may be served while a background refresh runs: the origin's
   * `stale-while-revalidate`, else `CACHE_STALE_SECONDS` (see `freshness.ts`, `staleRules`).
   */
  readonly staleWhileRevalidate: number
  /** Seconds past its lifetime it may be served when revalidation fails (`stale-if-error`). */
  readonly staleIfError: number
}

export interface CacheEntry {
  readonly meta: EntryMeta
  readonly body: Buffer
}

export function encodeEntry({ meta, body }: CacheEntry): Buffer {
  const head = Buffer.from(JSON.stringify(meta) + '\n')
  return Buffer.concat([head, body], head.length + body.length)
}

/**
 * Undefined for anything that is not a well-formed entry of this version: a foreign value, a
 * truncated one, an older format, or metadata with a missing or mistyped field. Whatever the
 * store returns, the gateway either decodes an entry it can replay or treats it as a miss.
 */
export function decodeEntry(value: Buffer, { reused = false } = {}): CacheEntry | undefined {
  if (!reused) return decodeOnce(value)
  // The memory store hands back the Buffer it was given: entries are immutable, so the one
  // decoded the first time serves every later hit without parsing its JSON again. (Not for a
  // store that reads a new Buffer each time: the table would only keep each decoded entry alive
  // into the old generation, to be dropped there.)
  const known = decoded.get(value)
  if (known) return known
  const entry = decodeOnce(value)
  if (entry) decoded.set(value, entry)
  return entry
}

const decoded = new WeakMap<Buffer, CacheEntry>()

function decodeOnce(value: Buffer): CacheEntry | undefined {
  const newline = value.indexOf(NEWLINE)
  if (newline < 0) return undefined
  let meta: unknown
  try {
    meta = JSON.parse(value.toString('utf8', 0, newline))
  } catch {
    return undefined
  }
  if (!isEntryMeta(meta)) return undefined
  const body = value.subarray(newline + 1)
  return framingMatches(meta.headers, body.length) ? { meta, body } : undefined
}

/**
 * Whether the stored head frames the stored body: every `Content-Length` is exactly its length,
 * and there is no `Transfer-Encoding` (hop-by-hop, never stored). Replaying a head that says 2
 * bytes with a 5-byte body would leave 3 bytes on the client's connection as the start of its
 * next response (RFC 9112 §6.3).
 */
function framingMatches(headers: readonly string[], bodyLength: number): boolean {
  const length = String(bodyLength)
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase()
    if (name === 'transfer-encoding') return false
    if (name === 'content-length' && headers[i + 1]!.trim() !== length) return false
  }
  return true
}

const isString = (v: unknown): v is string => typeof v === 'string'
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isOptional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v)

function isEntryMeta(value: unknown): value is EntryMeta {
  if (typeof value !== 'object' || value === null) return false
  const m = value as Record<keyof EntryMeta, unknown>
  return (
    m.v === VERSION &&
    Number.isInteger(m.status) &&
    (m.status as number) >= 200 &&
    (m.status as number) <= 599 &&
    isOptional(m.statusText, isString) &&
    Array.isArray(m.headers) &&
    m.headers.length % 2 === 0 &&
    m.headers.every(isString) &&
    isTime(m.receivedAt) &&
    isTime(m.initialAge) &&
    (m.initialAge as number) >= 0 &&
    isTime(m.lifetime) &&
    Array.isArray(m.generations) &&
    m.generations.every(isString) &&
    isString(m.vary) &&
    isOptional(m.etag, isString) &&
    isOptional(m.alwaysRevalidate, (v) => typeof v === 'boolean') &&
    isOptional(m.neverStale, (v) => typeof v === 'boolean') &&
    isTime(m.staleWhileRevalidate) &&
    isTime(m.staleIfError)
  )
}

/** What {@link EntryMeta} says about freshness, in the shape `freshness.ts` reads. */
export function freshnessOf(meta: EntryMeta): EntryFreshness {
  return {
    receivedAt: meta.receivedAt,
    initialAge: meta.initialAge,
    lifetime: meta.lifetime,
    alwaysRevalidate: meta.alwaysRevalidate === true,
    neverStale: meta.neverStale === true,
    whileRevalidate: meta.staleWhileRevalidate,
    ifError: meta.staleIfError,
  }
}

/** RFC 9111 §4.2.3 `current_age`, in seconds. */
export function currentAge(meta: EntryMeta, now: number): number {
  return ageOf(freshnessOf(meta), now)
}

/**
 * The longest an entry is kept, whatever the upstream's max-age. Generation keys outlive it, so
 * an expired generation can never bring an invalidated entry back (see `invalidation.ts`).
 */
export const MAX_ENTRY_MS = 24 * 60 * 60 * 1000

/**
 * Whether an entry can answer a request now without the upstream (RFC 9111 §4.2, §5.2.1): see
 * `freshness.ts`, `entryUse`.
 */
export function entryUse(meta: EntryMeta, request: RequestFreshness, now: number): EntryUse {
  return useOf(freshnessOf(meta), request, now)
}
