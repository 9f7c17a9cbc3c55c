import { Redis } from 'ioredis'

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

import { startCachingGateway, uniquePrefix } from './helpers/cache/gateway.ts'

import type { TestGateway } from './helpers/gateway.ts'
import { rawRequest, startOrigin, type Origin } from './helpers/origin.ts'
import { ENTRY_FORMAT_VERSION } from '../src/cache/entry.ts'
import { sampleValue } from './helpers/metrics-text.ts'

// A store value that is not a well-formed entry of this format (foreign, truncated, an older
// version, missing or mistyped fields) used to surface as a 500 or a stuck UNAVAILABLE. It is a
// miss: counted as a decode error, answered from upstream, and overwritten by the new entry.
const prefix = uniquePrefix()
let origin: Origin
let gw: TestGateway
let redis: Redis

// A well-formed entry of this format (the first test checks that it decodes): each bad value
// below breaks exactly one thing in it.
const BODY = '{"stale":true}'
const META = {
  v: ENTRY_FORMAT_VERSION,
  status: 200,
  headers: ['content-type', 'application/json', 'content-length', String(BODY.length)],
  receivedAt: Date.now(),
  initialAge: 0,
  lifetime: 600,
  generations: ['', '', ''],
  vary: '',
  staleWhileRevalidate: 0,
  staleIfError: 0,
}
const line = (meta: unknown, body = BODY) => Buffer.from(JSON.stringify(meta) + '\n' + body)

const BAD_VALUES: Record<string, Buffer> = {
  foreign: Buffer.from('PONG'),
  'not json': Buffer.from(`{"v":${ENTRY_FORMAT_VERSION},\n{}`),
  truncated: line(META).subarray(0, 20),
  'older format': line({ ...META, v: 1 }),
  'missing field': line({ ...META, headers: undefined }),
  'odd header list': line({ ...META, headers: ['content-type'] }),
  'header not a string': line({ ...META, headers: ['x-a', 7] }),
  'status out of range': line({ ...META, status: 700 }),
  'json array': Buffer.from('[1,2]\n{}'),
  // The head must frame the body it is replayed with, or the client's connection desyncs.
  'content-length shorter than the body': line({ ...META, headers: ['Content-Length', '2'] }),
  'content-length longer than the body': line({ ...META, headers: ['content-length', '100'] }),
  'a second, different content-length': line({
    ...META,
    headers: [...META.headers, 'Content-Length', '15'],
  }),
  'a transfer-encoding': line({ ...META, headers: ['transfer-encoding', 'chunked'] }),
}

beforeAll(async () => {
  let n = 0
  origin = await startOrigin((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ call: ++n }))
  })
  gw = await startCachingGateway(origin.url, { REDIS_KEY_PREFIX: prefix })
  redis = new Redis(inject('redisUrl'))
})
afterAll(async () => {
  redis?.disconnect()
  await gw?.close()
  await origin?.close()
})

const get = () =>
  rawRequest(`${gw.url}/files/undecodable`, { headers: { authorization: 'Bearer u' } })
const cacheStatus = (raw: string[]) => raw[raw.findIndex((h) => h === 'X-Cache-Status') + 1]

describe('an entry that does not decode', () => {
  it('(the well-formed entry the bad values are made from is a hit)', async () => {
    await get()
    const [key] = await redis.keys(`${prefix}*:e${ENTRY_FORMAT_VERSION}:*`)
    const meta = { ...META, receivedAt: Date.now() }
    const stored = JSON.parse((await redis.getBuffer(key!))!.toString().split('\n')[0]!)
    await redis.set(key!, line({ ...meta, generations: stored.generations }), 'PX', 60_000)
    const hit = await get()
    expect(cacheStatus(hit.rawHeaders)).toBe('HIT')
    expect(hit.body.toString()).toBe(BODY)
  })

  it.each(Object.keys(BAD_VALUES))('%s: a counted miss, then overwritten', async (name) => {
    await get()
    const [key] = await redis.keys(`${prefix}*:e${ENTRY_FORMAT_VERSION}:*`)
    expect(key).toBeDefined()
    await redis.set(key!, BAD_VALUES[name]!, 'PX', 60_000)
    const decodeErrors = async () =>
      sampleValue(await gw.scrape(), 'drive_gateway_cache_store_errors_total', {
        operation: 'decode',
      })
    const before = await decodeErrors()

    const miss = await get()
    expect(miss.status).toBe(200)
    expect(cacheStatus(miss.rawHeaders)).toBe('MISS')
    expect(await decodeErrors()).toBe(before + 1)
    await expect.poll(async () => cacheStatus((await get()).rawHeaders)).toBe('HIT')
    expect(sampleValue(await gw.scrape(), 'drive_gateway_cache_store_up')).toBe(1)
  })
})
