/**
 * Cache keys (docs/architecture.md, "Cache"). An entry's key is a digest of the route, path, sorted
 * query, the negotiation headers and the caller's credentials, so one caller is never served
 * another's entry and no credential value ever reaches the store. Keys carry a Redis Cluster hash
 * tag naming the resource, so an entry and its resource's generation share a slot. Pure.
 */
import { createHmac, hash } from 'node:crypto'
import type { RouteMatch } from '../routes/types.ts'
import { findHeader, headerValue, stripHopByHop } from '../http/headers.ts'
import { ENTRY_FORMAT_VERSION } from './entry.ts'

/** Request headers that select a representation; always part of the key. */
export const NEGOTIATION_HEADERS = ['accept', 'accept-language', 'accept-encoding'] as const

/** Fields a `Vary` may name that the key already covers (the credentials among them). */
const KEYED_HEADERS: ReadonlySet<string> = new Set([
  ...NEGOTIATION_HEADERS,
  'authorization',
  'consumerkey',
])

export interface CacheKeyOptions {
  /** `REDIS_KEY_PREFIX`: every key starts with it. */
  readonly prefix: string
  /** `CACHE_KEY_SECRET`: when set, credentials are digested with HMAC-SHA256 under it. */
  readonly secret: string | undefined
}

/** The store keys one lookup reads and writes. */
export interface LookupKeys {
  /** Where the entry lives. */
  readonly entry: string
  /** Generation keys to compare with the entry's: everything, the resource, its parent. */
  readonly generations: readonly string[]
  /** The short lock a background refresh takes, so replicas refresh an entry once. */
  readonly refreshLock: string
  /** Resource ids (see {@link CacheKeys.resourceIds}) the lookup depends on. */
  readonly resources: readonly string[]
}

// Ids used verbatim in keys; anything else (braces would break the hash tag) is digested.
const SAFE_ID = /^[A-Za-z0-9_.~=/-]{1,160}$/

function digest(data: string): string {
  // One-shot: half the time of a createHash object, on every lookup.
  return hash('sha256', data, 'base64url')
}

function parameterName(part: string): string {
  const eq = part.indexOf('=')
  return eq < 0 ? part : part.slice(0, eq)
}

function byName(a: string, b: string): number {
  const x = parameterName(a)
  const y = parameterName(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * The query's parameters sorted by name, still encoded as sent (`b=2&a=1` → `a=1&b=2`). The sort
 * is stable and compares names only, so repeats of one name keep their relative order:
 * `offset=0&offset=20` and `offset=20&offset=0` are different requests to an upstream that reads
 * the first (or last) value, and stay different keys.
 */
export function sortedQuery(target: string): string {
  const q = target.indexOf('?')
  if (q < 0) return ''
  // Array.prototype.sort is stable (ECMAScript 2019).
  return target
    .slice(q + 1)
    .split('&')
    .filter((part) => part !== '')
    .sort(byName)
    .join('&')
}

/** How many credential digests are remembered; past it the least recently used is forgotten. */
export const CREDENTIAL_MEMO_SIZE = 1024

/**
 * User-scoped routes (API 2.0 `/users/{userId or me}/…`): `me` and the caller's own id name the
 * same data, so their lookups also depend on a per-caller generation that the caller's writes
 * under `/users/` bump.
 */
export function isUserScoped(path: string): boolean {
  return path.startsWith('/users/')
}

/** Builds and names every key the cache uses. */
export class CacheKeys {
  readonly #prefix: string
  readonly #secret: string | undefined
  // Full credential material → digest. In memory only, never in the store; bounded, so a flood
  // of distinct tokens costs at most CREDENTIAL_MEMO_SIZE small strings.
  readonly #digests = new Map<string, string>()

  constructor({ prefix, secret }: CacheKeyOptions) {
    this.#prefix = prefix
    this.#secret = secret
  }

  /**
   * A digest of `Authorization` + `consumerKey` (API 1.0 sends both; 2.0 only the first):
   * HMAC-SHA256 under `CACHE_KEY_SECRET`, else SHA-256. The raw values never leave this function.
   * It is the credential the upstream is sent: a field the client's `Connection` names is dropped
   * on the way (RFC 9110 §7.6.1), so it does not key the answer either.
   */
  credential(clientHeaders: readonly string[]): string {
    const rawHeaders =
      findHeader(clientHeaders, 'connection') === undefined
        ? clientHeaders
        : stripHopByHop(clientHeaders)
    const material = `${headerValue(rawHeaders, 'authorization') ?? ''}\n${headerValue(rawHeaders, 'consumerkey') ?? ''}`
    const memo = this.#digests
    let value = memo.get(material)
    if (value !== undefined) {
      // Map order is insertion order: re-inserting makes it the most recently used. Only needed
      // once the memo is full and something must go; before that, moving the entry would only
      // churn the table on every request.
      if (memo.size < CREDENTIAL_MEMO_SIZE) return value
      memo.delete(material)
    } else {
      value =
        this.#secret === undefined
          ? digest(material)
          : createHmac('sha256', this.#secret).update(material).digest('base64url')
      if (memo.size >= CREDENTIAL_MEMO_SIZE) memo.delete(memo.keys().next().value as string)
    }
    memo.set(material, value)
    return value
  }

  /** Credential digests remembered now (at most {@link CREDENTIAL_MEMO_SIZE}). */
  get memoised(): number {
    return this.#digests.size
  }

  /** The id of the per-caller generation that user-scoped lookups depend on. */
  callerId(rawHeaders: readonly string[]): string {
    return `c:${this.credential(rawHeaders)}`
  }

  /** The id of a lookup that names no resource, by its path (`/recycle-files`, `/getQuota/v1`). */
  pathId(path: string): string {
    return idOf('p', path)
  }

  /**
   * The resources a route names: its `resource` parameter (or, for routes without one, the
   * request path, so `POST /sharedrives` and `GET /sharedrives` agree) and its `parent`.
   * Values alone, so a folder named as one route's parent is the same id as another's resource.
   */
  resourceIds(match: RouteMatch, path: string): string[] {
    const { route, params } = match
    const resource = route.resource !== undefined ? params[route.resource] : undefined
    const ids = [resource !== undefined ? idOf('r', resource) : idOf('p', path)]
    const parent = route.parent !== undefined ? params[route.parent] : undefined
    if (parent !== undefined) ids.push(idOf('r', parent))
    return ids
  }

  /** The id of a resource named outside a route (purge, a `toParentKey` in a write). */
  resourceId(value: string): string {
    return idOf('r', value)
  }

  /** The generation key of a resource id; a bump gives it a token it never had before. */
  generation(id: string): string {
    return `${this.#prefix}{${id}}:g`
  }

  /** The generation every entry depends on: bumped by a purge of everything. */
  globalGeneration(): string {
    return `${this.#prefix}{*}:g`
  }

  /** The keys of one lookup; `target` is the raw path and query. */
  lookup(match: RouteMatch, path: string, target: string, rawHeaders: readonly string[]) {
    const resources = this.resourceIds(match, path)
    const credential = this.credential(rawHeaders)
    if (isUserScoped(path)) resources.push(`c:${credential}`)
    const parts = [match.route.template, path, sortedQuery(target)]
    for (const name of NEGOTIATION_HEADERS) parts.push(headerValue(rawHeaders, name) ?? '')
    parts.push(credential)
    const hash = digest(JSON.stringify(parts))
    const tag = `${this.#prefix}{${resources[0]}}`
    const keys: LookupKeys = {
      // The format version is part of the key: a new format never reads an old entry.
      entry: `${tag}:e${ENTRY_FORMAT_VERSION}:${hash}`,
      generations: [this.globalGeneration(), ...resources.map((id) => this.generation(id))],
      refreshLock: `${tag}:l:${hash}`,
      resources,
    }
    return keys
  }
}

function idOf(kind: 'r' | 'p', value: string): string {
  return SAFE_ID.test(value) ? `${kind}:${value}` : `${kind}#${digest(value).slice(0, 32)}`
}

/**
 * A digest of the request's values for the `Vary` fields the key does not already cover; an
 * entry is used only by a request with the same digest (RFC 9111 §4.1).
 */
export function varyDigest(names: readonly string[], rawHeaders: readonly string[]): string {
  const extra = names.filter((name) => !KEYED_HEADERS.has(name)).sort()
  if (extra.length === 0) return ''
  return digest(JSON.stringify(extra.map((name) => [name, headerValue(rawHeaders, name) ?? null])))
}

/**
 * Whether an answer to the `leader`'s request is also the answer to the `waiter`'s, the cache key
 * being the same (RFC 9111 §4.1): the same values of every field its `Vary` lists (`names`, lower
 * case). Never for `Vary: *`.
 */
export function sameVariant(
  names: readonly string[],
  leader: readonly string[],
  waiter: readonly string[]
): boolean {
  if (names.length === 0) return true
  if (names.includes('*')) return false
  return varyDigest(names, leader) === varyDigest(names, waiter)
}
