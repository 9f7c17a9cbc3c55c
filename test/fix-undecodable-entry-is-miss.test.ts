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

const META = {
  v: 2,
  status: 200,
  headers: ['content-type', 'application/json'],
  receivedAt: Date.now(),
  initialAge: 0,
  lifetime: 600,
  generations: ['', '', ''],
  vary: '',
}
const line = (meta: unknown) => Buffer.from(JSON.stringify(meta) + '\n{"stale":true}')

const BAD_VALUES: Record<string, Buffer> = {
  foreign: Buffer.from('PONG'),
  'not json': Buffer.from('{"v":2,\n{}'),
  truncated: line(META).subarray(0, 20),
  'older format': line({ ...META, v: 1 }),
  'missing field': line({ ...META, headers: undefined }),
  'odd header list': line({ ...META, headers: ['content-type'] }),
  'header not a string': line({ ...META, headers: ['x-a', 7] }),
  'status out of range': line({ ...META, status: 700 }),
  'json array': Buffer.from('[1,2]\n{}'),
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
