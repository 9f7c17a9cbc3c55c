import { Redis } from 'ioredis'

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Client } from './helpers/cache/client.ts'

import { startCachingGateway, uniquePrefix } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'
import { sample } from './helpers/metrics-text.ts'

const CALLER = { authorization: 'Bearer hit-token-1', consumerKey: 'hit-consumer-1' }
// Headers a client acts on; Date and Age are excluded (Age is added on hits).
const MEANINGFUL = ['content-type', 'content-length', 'etag', 'cache-control', 'x-drive']

describe('cache hits (Redis store)', () => {
  let origin: Origin
  let gateway: TestGateway
  let client: Client
  let prefix: string
  const url = (path: string) => `${gateway.url}${path}`
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    client.send(url(path), { method, headers: { ...CALLER, ...headers } })
  const upstreamCalls = (path: string) => origin.count((r) => r.path === path)

  beforeAll(async () => {
    origin = await startOrigin()
    prefix = uniquePrefix()
    gateway = await startCachingGateway(origin.url, {
      REDIS_KEY_PREFIX: prefix,
      LOG_LEVEL: 'debug',
    })
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await gateway.close()
    await origin.close()
  })

  it('answers a repeated lookup from the cache: same status, headers and body bytes', async () => {
    const headers = encodeURIComponent(JSON.stringify({ etag: '"v1"', 'x-drive': 'a' }))
    const first = await get(`/files/hit1?headers=${headers}`)
    const second = await get(`/files/hit1?headers=${headers}`)
    expect(first.cache).toBe('MISS')
    expect(second.cache).toBe('HIT')
    expect(upstreamCalls('/files/hit1')).toBe(1)
    expect(second.status).toBe(first.status)
    expect(second.body.equals(first.body)).toBe(true)
    for (const name of MEANINGFUL) expect(second.headers[name]).toEqual(first.headers[name])
    expect(first.headers.age).toBeUndefined()
    expect(Number(second.headers.age)).toBeGreaterThanOrEqual(0)
    expect(second.headers['x-request-id']).toBeDefined()
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id'])
  })

  it('keeps the upstream headers in order, with repeats', async () => {
    const headers = encodeURIComponent(JSON.stringify({ 'x-multi': ['1', '2'], link: '<a>' }))
    await get(`/files/order?headers=${headers}`)
    const hit = await get(`/files/order?headers=${headers}`)
    expect(hit.cache).toBe('HIT')
    expect(hit.headers['x-multi']).toEqual(['1', '2'])
  })

  it('labels responses by cache status in the metrics', async () => {
    await get('/files/metric1')
    await get('/files/metric1')
    const text = await gateway.scrape()
    const hits = sample(
      text,
      'drive_gateway_responses_total',
      '{http_request_method="GET",http_route="/files/{resourceKey}",http_response_status_code="200",drive_error_code="",drive_cache_status="hit"}'
    )
    expect(hits).toBeGreaterThanOrEqual(1)
  })

  it('answers HEAD from a GET entry without a body, and never stores a HEAD response', async () => {
    await get('/files/head1')
    const head = await get('/files/head1', {}, 'HEAD')
    expect(head.cache).toBe('HIT')
    expect(head.body.length).toBe(0)
    expect(upstreamCalls('/files/head1')).toBe(1)

    const headMiss = await get('/files/head2', {}, 'HEAD')
    expect(headMiss.cache).toBe('MISS')
    expect(origin.requests.at(-1)!.method).toBe('HEAD')
    expect((await get('/files/head2')).cache).toBe('MISS')
    expect(upstreamCalls('/files/head2')).toBe(2)
  })

  it('answers If-None-Match with 304 from an entry whose ETag matches', async () => {
    const headers = encodeURIComponent(
      JSON.stringify({ etag: 'W/"e1"', 'cache-control': 'max-age=60' })
    )
    const path = `/files/etag1?headers=${headers}`
    await get(path)
    const notModified = await get(path, { 'if-none-match': '"zz", "e1"' })
    expect(notModified.status).toBe(304)
    expect(notModified.cache).toBe('HIT')
    expect(notModified.headers.etag).toBe('W/"e1"')
    expect(notModified.headers['cache-control']).toBe('max-age=60')
    expect(notModified.body.length).toBe(0)
    const other = await get(path, { 'if-none-match': '"other"' })
    expect(other.status).toBe(200)
    expect(other.cache).toBe('HIT')
    expect(upstreamCalls('/files/etag1')).toBe(1)
  })

  it('invents no ETag: If-None-Match on an entry without one gets the full 200', async () => {
    await get('/files/noetag')
    const res = await get('/files/noetag', { 'if-none-match': '"x"' })
    expect(res.status).toBe(200)
    expect(res.headers.etag).toBeUndefined()
    expect(res.body.length).toBeGreaterThan(0)
  })

  it('revalidates on request no-cache and max-age=0, and bypasses on no-store', async () => {
    await get('/files/rq1')
    expect((await get('/files/rq1', { 'cache-control': 'no-cache' })).cache).toBe('MISS')
    expect((await get('/files/rq1', { 'cache-control': 'max-age=0' })).cache).toBe('MISS')
    expect((await get('/files/rq1', { 'cache-control': 'no-store' })).cache).toBe('BYPASS')
    expect(upstreamCalls('/files/rq1')).toBe(4)
    expect((await get('/files/rq1')).cache).toBe('HIT')
  })

  it.each([
    ['Set-Cookie', { 'set-cookie': 'session=abc' }],
    ['Cache-Control: no-store', { 'cache-control': 'no-store' }],
    ['Vary: *', { vary: '*' }],
  ])('does not store a response with %s', async (_name, extra) => {
    const path = `/files/ns-${encodeURIComponent(_name)}?headers=${encodeURIComponent(JSON.stringify(extra))}`
    expect((await get(path)).cache).toBe('MISS')
    expect((await get(path)).cache).toBe('MISS')
    expect(origin.count((r) => r.url === path)).toBe(2)
  })

  it('stores private responses (per-caller keys) and revalidates no-cache ones on every use', async () => {
    const priv = `/files/priv?headers=${encodeURIComponent(JSON.stringify({ 'cache-control': 'private, max-age=60' }))}`
    await get(priv)
    expect((await get(priv)).cache).toBe('HIT')
    const noCache = `/files/nc?headers=${encodeURIComponent(JSON.stringify({ 'cache-control': 'no-cache' }))}`
    await get(noCache)
    expect((await get(noCache)).cache).toBe('MISS')
    expect(origin.count((r) => r.url === noCache)).toBe(2)
  })

  it('separates entries by a Vary header outside the key', async () => {
    const path = `/files/vary1?headers=${encodeURIComponent(JSON.stringify({ vary: 'X-Tenant' }))}`
    await get(path, { 'x-tenant': 'a' })
    expect((await get(path, { 'x-tenant': 'a' })).cache).toBe('HIT')
    expect((await get(path, { 'x-tenant': 'b' })).cache).toBe('MISS')
  })

  it('caches a streamed body once it is complete, and never one over the entry cap', async () => {
    const streamed = '/files/big1?size=300000&chunked=1'
    const first = await get(streamed)
    const second = await get(streamed)
    expect(first.body.length).toBe(300_000)
    expect(second.cache).toBe('HIT')
    expect(second.body.equals(first.body)).toBe(true)

    const huge = '/files/huge1?size=1100000'
    expect((await get(huge)).cache).toBe('MISS')
    const again = await get(huge)
    expect(again.cache).toBe('MISS')
    expect(again.body.length).toBe(1_100_000)
  })

  it('marks what it does not cache as BYPASS: no credentials, transfers, writes, unmatched', async () => {
    const anonymous = await client.send(url('/files/anon'))
    expect(anonymous.cache).toBe('BYPASS')
    await client.send(url('/files/anon'))
    expect(upstreamCalls('/files/anon')).toBe(2)
    expect((await get('/files/dl1/download')).cache).toBe('BYPASS')
    expect((await get('/nowhere/at/all')).cache).toBe('BYPASS')
    expect((await get('/files/w1', {}, 'DELETE')).cache).toBe('BYPASS')
  })

  it('stores and logs no credential', async () => {
    const secret = { authorization: 'Bearer very-secret-value-42', consumerKey: 'ck-secret-42' }
    await client.send(url('/files/cred1'), { headers: secret })
    await client.send(url('/files/cred1'), { headers: secret })
    const redis = new Redis(inject('redisUrl'))
    try {
      // Only this gateway's keys: an external REDIS_URL may hold anything else.
      const keys = await redis.keys(`${prefix}*`)
      expect(keys.length).toBeGreaterThan(0)
      for (const key of keys) {
        expect(key.startsWith(prefix)).toBe(true)
        expect(key).not.toMatch(/very-secret|ck-secret/)
        if ((await redis.type(key)) !== 'string') continue
        const value = await redis.getBuffer(key)
        // The origin echoes the caller into its body; only the request's own copy is a leak.
        const text = value?.toString('latin1') ?? ''
        expect(text.replace(/"caller":"[^"]*"|"consumerKey":"[^"]*"/g, '')).not.toMatch(
          /very-secret|ck-secret/
        )
      }
    } finally {
      redis.disconnect()
    }
    expect(JSON.stringify(gateway.logs)).not.toMatch(/very-secret|ck-secret/)
  })
})

describe('CACHE=off', () => {
  it('adds no X-Cache-Status and sends every lookup upstream', async () => {
    const origin = await startOrigin()
    const gateway = await startCachingGateway(origin.url, { CACHE: 'off' })
    const client = createClient()
    try {
      for (let i = 0; i < 2; i++) {
        const res = await client.send(`${gateway.url}/files/off1`, { headers: CALLER })
        expect(res.status).toBe(200)
        expect(res.cache).toBeUndefined()
        expect(res.headers.age).toBeUndefined()
      }
      expect(origin.count()).toBe(2)
      expect(await gateway.scrape()).toMatch(/drive_cache_status="none"/)
    } finally {
      await client.close()
      await gateway.close()
      await origin.close()
    }
  })
})
