import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway, startMemoryGateway, uniquePrefix } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'

const ALICE = { authorization: 'Bearer alice' }
const BOB = { authorization: 'Bearer bob', consumerKey: 'bob-app' }

describe('invalidation on writes', () => {
  let origin: Origin
  let gateway: TestGateway
  let client: Client
  const send = (path: string, headers: Record<string, string>, method = 'GET', body?: string) =>
    client.send(`${gateway.url}${path}`, { method, headers, body })
  /** Caches `path` for both callers and checks it is a HIT for both. */
  const warm = async (path: string) => {
    for (const who of [ALICE, BOB]) await send(path, who)
    for (const who of [ALICE, BOB]) expect((await send(path, who)).cache).toBe('HIT')
  }
  const statusesOf = async (path: string) =>
    [(await send(path, ALICE)).cache, (await send(path, BOB)).cache] as const

  beforeAll(async () => {
    origin = await startOrigin()
    gateway = await startCachingGateway(origin.url, { UPSTREAM_TIMEOUT_MS: '300' })
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await gateway.close()
    await origin.close()
  })

  it.each([
    ['DELETE', '/files/{k}'],
    ['PUT', '/files/{k}'],
    ['PATCH', '/files/{k}'],
    ['POST', '/files/{k}/copy'],
    ['POST', '/files/{k}/lock'],
  ])('a successful %s %s makes the next lookup a MISS for every caller', async (method, write) => {
    const key = `inv-${method}-${write.length}`
    const lookup = `/files/${key}`
    const children = `/files/${key}/children?offset=0`
    await warm(lookup)
    await warm(children)
    const res = await send(write.replace('{k}', key), ALICE, method)
    expect(res.status).toBe(200)
    expect(res.cache).toBe('BYPASS')
    expect(await statusesOf(lookup)).toEqual(['MISS', 'MISS'])
    expect(await statusesOf(children)).toEqual(['MISS', 'MISS'])
  })

  it("leaves other resources' entries alone", async () => {
    await warm('/files/untouched')
    await send('/files/someone-else', ALICE, 'DELETE')
    expect(await statusesOf('/files/untouched')).toEqual(['HIT', 'HIT'])
  })

  it("invalidates the parent's listings on an API 2.0 file write", async () => {
    const file = '/users/u-7/drive/files/f-7'
    const listing = '/users/u-7/drive/files'
    const sibling = '/users/u-7/drive/files/f-8'
    await warm(file)
    await warm(listing)
    await warm(sibling)
    await send(file, ALICE, 'DELETE')
    expect(await statusesOf(file)).toEqual(['MISS', 'MISS'])
    expect(await statusesOf(listing)).toEqual(['MISS', 'MISS'])
    // Siblings depend on the parent too: their entries are dropped as well (safe side).
    expect(await statusesOf(sibling)).toEqual(['MISS', 'MISS'])
  })

  it('invalidates the folder a write names in its query, JSON body or JSON response', async () => {
    await warm('/files/dest-q/children')
    await send('/files/moved-1/move?toParentKey=dest-q', ALICE, 'POST')
    expect(await statusesOf('/files/dest-q/children')).toEqual(['MISS', 'MISS'])

    await warm('/files/dest-b/children')
    await client.send(`${gateway.url}/files/moved-2/copy`, {
      method: 'POST',
      headers: { ...ALICE, 'content-type': 'application/json' },
      body: JSON.stringify({ toParentKey: 'dest-b', overWrite: false }),
    })
    expect(await statusesOf('/files/dest-b/children')).toEqual(['MISS', 'MISS'])

    origin.on('/users/u-9/drive/files/f-9', (_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ fileId: 'f-9', parentFileId: 'folder-9' }))
    })
    await warm('/users/u-9/drive/files/folder-9/children')
    await send('/users/u-9/drive/files/f-9', ALICE, 'PATCH')
    expect(await statusesOf('/users/u-9/drive/files/folder-9/children')).toEqual(['MISS', 'MISS'])
  })

  // The first bump happens as the write is forwarded; these check the second, once its
  // outcome is known: a lookup made while the write was in flight re-cached the old state.
  it.each([
    ['200', 'MISS', ''],
    ['202 (async)', 'MISS', '&status=202'],
    ['598 (may still succeed)', 'MISS', '&status=598'],
    ['504 (gateway timed out)', 'MISS', '&delay=600'],
    ['409 (refused)', 'HIT', '&status=409'],
  ])(
    'after a write answered %s, a lookup cached meanwhile is a %s',
    async (_label, expected, extra) => {
      const key = `inflight-${extra.replace(/\W/g, '') || 'ok'}`
      await warm(`/files/${key}`)
      const write = send(`/files/${key}?delay=250${extra}`, ALICE, 'DELETE')
      await sleep(80)
      expect((await send(`/files/${key}`, ALICE)).cache).toBe('MISS')
      expect((await send(`/files/${key}`, ALICE)).cache).toBe('HIT')
      await write
      expect((await send(`/files/${key}`, ALICE)).cache).toBe(expected)
    }
  )

  it('invalidates when the client leaves after the write was sent', async () => {
    const key = 'inflight-gone'
    await warm(`/files/${key}`)
    const leaving = new AbortController()
    const write = client
      .send(`${gateway.url}/files/${key}?delay=400`, {
        method: 'DELETE',
        headers: ALICE,
        signal: leaving.signal,
      })
      .catch(() => undefined)
    await sleep(80)
    await send(`/files/${key}`, ALICE)
    expect((await send(`/files/${key}`, ALICE)).cache).toBe('HIT')
    leaving.abort()
    await write
    await sleep(200)
    expect((await send(`/files/${key}`, ALICE)).cache).toBe('MISS')
  })
})

describe('replicas sharing one Redis', () => {
  it('a write through one replica invalidates what the other cached', async () => {
    const origin = await startOrigin()
    const prefix = uniquePrefix()
    const one = await startCachingGateway(origin.url, { REDIS_KEY_PREFIX: prefix })
    const two = await startCachingGateway(origin.url, { REDIS_KEY_PREFIX: prefix })
    const client = createClient()
    try {
      await client.send(`${one.url}/files/rep1`, { headers: ALICE })
      expect((await client.send(`${two.url}/files/rep1`, { headers: ALICE })).cache).toBe('HIT')
      await client.send(`${two.url}/files/rep1`, { method: 'DELETE', headers: BOB })
      expect((await client.send(`${one.url}/files/rep1`, { headers: ALICE })).cache).toBe('MISS')
    } finally {
      await client.close()
      await one.close()
      await two.close()
      await origin.close()
    }
  })
})

describe('invalidation with the memory store', () => {
  it('works the same in process', async () => {
    const origin = await startOrigin()
    const gateway = await startMemoryGateway(origin.url)
    const client = createClient()
    try {
      const url = `${gateway.url}/files/mem-inv`
      await client.send(url, { headers: ALICE })
      expect((await client.send(url, { headers: ALICE })).cache).toBe('HIT')
      await client.send(url, { method: 'PUT', headers: BOB })
      expect((await client.send(url, { headers: ALICE })).cache).toBe('MISS')
    } finally {
      await client.close()
      await gateway.close()
      await origin.close()
    }
  })
})
