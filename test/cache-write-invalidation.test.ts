import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_ROUTES } from '../src/routes/builtin.ts'
import type { RouteDefinition } from '../src/routes/types.ts'
import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { defaultHandler, startOrigin, type Origin } from './helpers/cache/origin.ts'

/**
 * Every write route of the built-in table (mutations, and transfers: uploads write, downloads
 * do not), with the lookups it must invalidate. Alice writes; Bob is another caller.
 *
 * - `all`: a MISS for every caller afterwards.
 * - `writer`: a MISS for Alice only (her per-caller generation: `me` and her real id).
 * - `keeps`: still a HIT for both; `othersKeep`: still a HIT for Bob.
 *
 * Placeholders: the route's own parameters; `{x!}` is another value of `x`; `{alias}` is the
 * other name of Alice's user (`me` ↔ `alice-id`); `{listedIn}` a folder whose listing (served
 * here) holds the resource; `{toParentKey}` the folder an upload names.
 */
interface Row {
  readonly write?: string
  readonly all: readonly string[]
  readonly writer?: readonly string[]
  readonly keeps?: readonly string[]
  readonly othersKeep?: readonly string[]
}

const ALICE = { authorization: 'Bearer alice' }
const BOB = { authorization: 'Bearer bob', consumerKey: 'bob-app' }
const ME = ['me', 'alice-id'] as const

const API10_EFFECTS = ['/recycle-files', '/getQuota/v1', '/getUserInfo/v1']
const api10File: Row = {
  all: [
    '/files/{resourceKey}',
    '/files/{resourceKey}/children',
    '/files/{listedIn}/children',
    ...API10_EFFECTS,
  ],
  keeps: ['/files/{resourceKey!}', '/files/{listedIn!}/children'],
}
const api10Bin: Row = {
  all: ['/files/{resourceKey}', '/files/{listedIn}/children', ...API10_EFFECTS],
  keeps: ['/files/{resourceKey!}'],
}
const noWrite = (keeps: string[]): Row => ({ all: [], keeps })

/** Every lookup in a container: any write in it names the container, so all of them go. */
function inContainer(prefix: string): string[] {
  return [
    prefix,
    `${prefix}/files`,
    `${prefix}/files/{fileId}`,
    `${prefix}/files/{fileId}/children`,
    `${prefix}/files/{fileId!}/revisions`,
    `${prefix}/trash-files`,
  ]
}

function containerRows(prefix: string, extra: Partial<Row> = {}): Record<string, Row> {
  const other = prefix.replace(/\{(\w+)\}$/, '{$1!}')
  const row: Row = {
    all: [...inContainer(prefix), ...(extra.all ?? [])],
    writer: extra.writer ?? [],
    ...(prefix.startsWith('/users/')
      ? { othersKeep: [other, `${other}/files`] }
      : { keeps: [other, `${other}/files`] }),
  }
  const file = `${prefix}/files/{fileId}`
  const read = noWrite([`${file}`, `${prefix}/files`])
  return {
    [prefix]: row,
    [`${prefix}/files`]: row,
    [file]: row,
    [`${file}/*`]: row,
    [`${prefix}/trash-files`]: row,
    [`${prefix}/trash-files/{fileId}`]: row,
    [`${prefix}/trash-files/{fileId}/*`]: row,
    [`${file}/download`]: read,
    [`${file}/revisions/{revisionId}/download`]: read,
  }
}

const TABLE: Record<string, Row> = {
  // API 1.0
  '/files/{resourceKey}': api10File,
  '/files/{resourceKey}/*': api10File,
  '/files/{resourceKey}/download': noWrite(['/files/{resourceKey}', '/files/{listedIn}/children']),
  '/files': {
    write: '/files?toParentKey={toParentKey}',
    all: ['/files/{toParentKey}/children', ...API10_EFFECTS],
    keeps: ['/files/{toParentKey!}/children'],
  },
  '/recycle-files': { all: API10_EFFECTS, keeps: ['/files/{resourceKey!}'] },
  '/recycle-files/{resourceKey}': api10Bin,
  '/recycle-files/{resourceKey}/restore': api10Bin,
  '/recycle-files/{resourceKey}/*': api10Bin,
  // API 2.0
  '/sharedrives': { all: ['/sharedrives'], keeps: ['/sharedrives/{sharedriveId!}'] },
  ...containerRows('/users/{userId}/drive', {
    all: ['/users/{userId}/drive/sharedfolders'],
    writer: ['/users/{alias}/drive', '/users/{alias}/drive/files'],
  }),
  ...containerRows('/users/{userId}/drive/sharedfolders/{sharedFolderId}', {
    writer: ['/users/{userId}/drive', '/users/{alias}/drive'],
  }),
  ...containerRows('/sharedrives/{sharedriveId}', { all: ['/sharedrives'] }),
  ...containerRows('/groups/{groupId}/folder'),
}

const writeRoutes = BUILTIN_ROUTES.filter((r) => r.kind === 'mutation' || r.kind === 'transfer')

/** One write to try: a route, a method, and (for `/users/{userId}`) which name of Alice. */
interface Case {
  readonly route: RouteDefinition
  readonly method: string
  readonly userId: string
}

const cases: Case[] = writeRoutes.flatMap((route) =>
  route.methods.flatMap((method) =>
    (route.template.includes('{userId}') ? ME : ['me']).map((userId) => ({
      route,
      method,
      userId,
    }))
  )
)

function fill(template: string, n: number, userId: string): string {
  const value = (name: string): string => {
    if (name === 'userId') return userId
    if (name === 'alias') return userId === 'me' ? 'alice-id' : 'me'
    return `${name}-${n}`
  }
  return template
    .replace(/\{(\w+)!\}/g, (_, name: string) => `${value(name)}-other`)
    .replace(/\{(\w+)\}/g, (_, name: string) => value(name))
    .replace(/\/\*$/, '/verb')
}

describe('every write route invalidates what it changes (table)', () => {
  let origin: Origin
  let gateway: TestGateway
  let client: Client
  /** Listing `/files/{folder}/children` names this file in it (API 1.0 `items`). */
  const listed = new Map<string, string>()

  beforeAll(async () => {
    origin = await startOrigin()
    origin.on('/files/', (req, res, n) => {
      const folder = /^\/files\/([^/]+)\/children$/.exec(req.path)?.[1]
      const child = folder === undefined ? undefined : listed.get(folder)
      if (req.method !== 'GET' || child === undefined) return defaultHandler(req, res, n)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ offset: 0, hasMore: false, items: [{ resourceKey: child }], n }))
    })
    gateway = await startCachingGateway(origin.url)
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await gateway.close()
    await origin.close()
  })

  it('has a row for every write and transfer route of the built-in table, and no other', () => {
    const templates = new Set(writeRoutes.map((r) => r.template))
    expect(Object.keys(TABLE).filter((t) => !templates.has(t))).toEqual([])
    expect([...templates].filter((t) => !(t in TABLE))).toEqual([])
  })

  const get = (path: string, who: Record<string, string>) =>
    client.send(`${gateway.url}${path}`, { headers: who }).then((answer) => answer.cache)

  it.each(cases.map((c, n) => [`${c.method} ${c.route.template} (${c.userId})`, c, n] as const))(
    '%s',
    async (_name, { route, method, userId }, n) => {
      const row = TABLE[route.template]!
      const path = (template: string) => fill(template, n, userId)
      listed.set(path('{listedIn}'), path('{resourceKey}'))
      const groups = {
        all: (row.all ?? []).map(path),
        writer: (row.writer ?? []).map(path),
        keeps: (row.keeps ?? []).map(path),
        othersKeep: (row.othersKeep ?? []).map(path),
      }
      const lookups = Object.values(groups).flat()
      for (const lookup of lookups) {
        for (const who of [ALICE, BOB]) await get(lookup, who)
        for (const who of [ALICE, BOB]) expect(await get(lookup, who), lookup).toBe('HIT')
      }
      const write = await client.send(`${gateway.url}${path(row.write ?? route.template)}`, {
        method,
        headers: ALICE,
      })
      expect(write.status).toBe(200)
      const seen = async (lookup: string) => [await get(lookup, ALICE), await get(lookup, BOB)]
      for (const lookup of groups.all) expect(await seen(lookup), lookup).toEqual(['MISS', 'MISS'])
      for (const lookup of groups.writer) {
        expect(await seen(lookup), lookup).toEqual(['MISS', 'HIT'])
      }
      for (const lookup of groups.keeps) expect(await seen(lookup), lookup).toEqual(['HIT', 'HIT'])
      for (const lookup of groups.othersKeep) expect(await get(lookup, BOB), lookup).toBe('HIT')
    }
  )
})
