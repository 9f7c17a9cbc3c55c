import type { IncomingMessage } from 'node:http'
import type { Exchange } from '../exchange/exchange.ts'
import type { Reply } from '../exchange/types.ts'
import type { RouteMatch } from '../routes/types.ts'
import { isJson, jsonFields, tapBodyFields } from './body-fields.ts'
import { isUserScoped, type CacheKeys } from './key.ts'

/**
 * Fields through which a Drive write names another folder whose listings it changes: the
 * target of a move, copy, restore or upload (`toParentKey` in API 1.0, `toParentFileId` in
 * 2.0) and the folder a returned file sits in (`parentFileId`), as the Drive API's file objects
 * name them.
 */
export const PARENT_FIELDS = ['toParentKey', 'toParentFileId', 'parentFileId'] as const

/** How many child → folder pairs are remembered; past it the least recently used goes. */
const PARENT_HINTS_SIZE = 20_000

// Listing bodies larger than this are not parsed for hints (a page holds at most 200 items).
const LISTING_CAP = 1024 * 1024

/**
 * The folder each file was last listed in, learned from `…/children` listings that pass through
 * this process. API 1.0 paths name a file but not its folder, so a delete, rename or restore of
 * `/files/{key}` would otherwise leave the folder's listing cached until its TTL. In memory and
 * bounded; a file never listed here has no hint (README: what is bounded by TTL only).
 */
export class ParentHints {
  readonly #parents = new Map<string, string>()
  readonly #size: number
  // Entries already read for hints (entry key + when it was received): a hit parses once.
  readonly #seen = new Set<string>()

  constructor(size = PARENT_HINTS_SIZE) {
    this.#size = size
  }

  get size(): number {
    return this.#parents.size
  }

  /** The folder `childId` was last seen in, by resource id. */
  parentOf(childId: string): string | undefined {
    return this.#parents.get(childId)
  }

  set(childId: string, parentId: string): void {
    this.#parents.delete(childId)
    if (this.#parents.size >= this.#size) {
      this.#parents.delete(this.#parents.keys().next().value as string)
    }
    this.#parents.set(childId, parentId)
  }

  /**
   * Learns from a 2xx JSON answer of a `…/children` lookup: every item in `items` (API 1.0,
   * `resourceKey`) or `files` (2.0, `fileId`) sits in the listed folder. Runs after the response
   * is on its way; `once` (an entry's identity) makes repeated hits of one entry parse it once.
   */
  learn(keys: CacheKeys, match: RouteMatch, body: Buffer, once?: string): void {
    const { route, params } = match
    if (route.resource === undefined || !route.template.endsWith('/children')) return
    const folder = params[route.resource]
    if (folder === undefined || body.length === 0 || body.length > LISTING_CAP) return
    if (once !== undefined) {
      if (this.#seen.has(once)) return
      if (this.#seen.size >= this.#size) this.#seen.clear()
      this.#seen.add(once)
    }
    setImmediate(() => this.#learnNow(keys, folder, body))
  }

  #learnNow(keys: CacheKeys, folder: string, body: Buffer): void {
    let doc: unknown
    try {
      doc = JSON.parse(body.toString('utf8'))
    } catch {
      return
    }
    if (typeof doc !== 'object' || doc === null) return
    const parentId = keys.resourceId(folder)
    for (const [list, field] of [
      ['items', 'resourceKey'],
      ['files', 'fileId'],
    ] as const) {
      const items = (doc as Record<string, unknown>)[list]
      if (!Array.isArray(items)) continue
      for (const item of items) {
        const child = (item as Record<string, unknown> | null)?.[field]
        if (typeof child === 'string' && child !== '') this.set(keys.resourceId(child), parentId)
      }
    }
  }
}

/** The resources a write changes, known a little better once its response is in. */
export interface WriteTargets {
  /** Known as the write is forwarded: the route's resource and parent, folders in the query. */
  readonly forwarded: readonly string[]
  /** Known once the response is in: also the folders its body or JSON response name. */
  completed(reply: Reply | undefined): string[]
}

/**
 * What a write (a mutation, or an upload on a transfer route) invalidates, as resource ids:
 * - its route's `resource` and `parent` (or the path, for routes naming no resource), and the
 *   folder the resource was last listed in (API 1.0 paths name no folder);
 * - the lookups its route `invalidates` (recycle bin, quota, user info);
 * - the caller's own generation when the path is user-scoped (`/users/…`), so `me` and the
 *   caller's real user id invalidate each other's entries;
 * - folders named in its query, its JSON, multipart or urlencoded body, or its JSON response
 *   (best effort: body bytes still streaming when the response arrives are not waited for).
 */
export function writeTargets(
  keys: CacheKeys,
  hints: ParentHints,
  exchange: Exchange,
  incoming: IncomingMessage
): WriteTargets {
  const ids = new Set<string>()
  const match = exchange.route
  if (match) {
    const own = keys.resourceIds(match, exchange.path)
    for (const id of own) ids.add(id)
    const listedIn = hints.parentOf(own[0]!)
    if (listedIn !== undefined) ids.add(listedIn)
    for (const path of match.route.invalidates ?? []) ids.add(keys.pathId(path))
  }
  if (isUserScoped(exchange.path)) ids.add(keys.callerId(incoming.rawHeaders))
  const query = exchange.target.indexOf('?')
  if (query >= 0) {
    const params = new URLSearchParams(exchange.target.slice(query + 1))
    for (const field of PARENT_FIELDS) {
      for (const value of params.getAll(field)) if (value) ids.add(keys.resourceId(value))
    }
  }
  const bodyFields = tapBodyFields(incoming, PARENT_FIELDS)
  return {
    forwarded: [...ids],
    completed(reply) {
      const named = bodyFields()
      if (reply && Buffer.isBuffer(reply.body) && reply.status < 300 && isJson(reply.rawHeaders)) {
        named.push(...jsonFields(reply.body, PARENT_FIELDS))
      }
      for (const value of named) ids.add(keys.resourceId(value))
      return [...ids]
    },
  }
}
