import { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { Exchange } from '../exchange/exchange.ts'
import type { Reply } from '../exchange/types.ts'
import type { CacheKeys } from './key.ts'
import { headerValue } from '../http/headers.ts'

/**
 * Fields through which a Drive write names another folder whose listings it changes: the
 * target of a move, copy, restore or upload (`toParentKey` in API 1.0, `toParentFileId` in
 * 2.0) and the folder a returned file sits in (`parentFileId`). Reference: drive-api.md §2.
 */
export const PARENT_FIELDS = ['toParentKey', 'toParentFileId', 'parentFileId'] as const

// Request bodies larger than this are not JSON metadata (uploads); they are not looked at.
const BODY_CAP = 64 * 1024

function isJson(rawHeaders: readonly string[]): boolean {
  return /\bjson\b/i.test(headerValue(rawHeaders, 'content-type') ?? '')
}

function fieldsOf(json: Buffer | undefined, into: Set<string>): void {
  if (!json || json.length === 0) return
  try {
    const value: unknown = JSON.parse(json.toString('utf8'))
    if (typeof value !== 'object' || value === null) return
    for (const field of PARENT_FIELDS) {
      const named = (value as Record<string, unknown>)[field]
      if (typeof named === 'string' && named !== '') into.add(named)
    }
  } catch {
    // Not JSON after all: nothing to learn.
  }
}

/** Copies a small JSON request body as the upstream stage streams it, without consuming it. */
function tapRequestBody(incoming: IncomingMessage): () => Buffer | undefined {
  const declared = Number(incoming.headers['content-length'] ?? 0)
  if (!isJson(incoming.rawHeaders) || declared > BODY_CAP) return () => undefined
  const chunks: Buffer[] = []
  let size = 0
  let ended = false
  const onData = (chunk: Buffer) => {
    size += chunk.length
    if (size > BODY_CAP) {
      chunks.length = 0
      incoming.off('data', onData)
    } else chunks.push(chunk)
  }
  // Plain EventEmitter subscription: it must not start the stream before the upstream reads it.
  EventEmitter.prototype.on.call(incoming, 'data', onData)
  incoming.once('end', () => (ended = true))
  return () => {
    incoming.off('data', onData)
    return ended && size <= BODY_CAP ? Buffer.concat(chunks, size) : undefined
  }
}

/** The resources a write changes, known a little better once its response is in. */
export interface WriteTargets {
  /** Known as the write is forwarded: the route's resource and parent, folders in the query. */
  readonly forwarded: readonly string[]
  /** Known once the response is in: also the folders its JSON body or JSON response name. */
  completed(reply: Reply | undefined): string[]
}

/**
 * What a mutation invalidates: its route's `resource` and `parent` (or the path, for routes
 * naming no resource), plus folders named in its query, its JSON body or its JSON response
 * (best effort: a body still streaming when the response arrives is not waited for).
 */
export function writeTargets(
  keys: CacheKeys,
  exchange: Exchange,
  incoming: IncomingMessage
): WriteTargets {
  const base = exchange.route ? keys.resourceIds(exchange.route, exchange.path) : []
  const named = new Set<string>()
  const query = exchange.target.indexOf('?')
  if (query >= 0) {
    const params = new URLSearchParams(exchange.target.slice(query + 1))
    for (const field of PARENT_FIELDS) {
      const value = params.get(field)
      if (value) named.add(value)
    }
  }
  const requestBody = tapRequestBody(incoming)
  const ids = () => [...new Set([...base, ...[...named].map((value) => keys.resourceId(value))])]
  const targets: WriteTargets = {
    forwarded: ids(),
    completed(reply) {
      fieldsOf(requestBody(), named)
      if (reply && Buffer.isBuffer(reply.body) && reply.status < 300 && isJson(reply.rawHeaders)) {
        fieldsOf(reply.body, named)
      }
      return ids()
    },
  }
  return targets
}
