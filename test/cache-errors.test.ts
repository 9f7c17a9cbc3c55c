import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { DRIVE_ERROR_CODES, DRIVE_STATUSES } from '../src/labels/drive-codes.ts'
import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway, uniquePrefix } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'
import { ENTRY_FORMAT_VERSION } from '../src/cache/entry.ts'

const CALLER = { authorization: 'Bearer errors' }

// Every status of the Drive API's table that is not a success, with a code it answers with.
const ERRORS = [
  ...new Set([...DRIVE_STATUSES.map((s) => s.status), ...DRIVE_ERROR_CODES.map((e) => e.status)]),
]
  .filter((status) => status >= 400)
  .sort((a, b) => a - b)
  .map((status) => ({
    status,
    code: DRIVE_ERROR_CODES.find((e) => e.status === status)?.code ?? `HTTP_${status}`,
  }))

// Successes other than 200 are not stored either (CACHE_STATUSES defaults to 200).
const OTHER_SUCCESSES = DRIVE_STATUSES.map((s) => s.status).filter(
  (status) => status > 200 && status < 300
)

describe('errors are passed through and never stored', () => {
  let origin: Origin
  let gateway: TestGateway
  let client: Client
  let prefix: string
  /** Exact bytes the origin sent, per request, in order. */
  const sent: Buffer[] = []

  beforeAll(async () => {
    origin = await startOrigin()
    origin.on('/files/status-', (req, res, n) => {
      const status = Number(req.path.split('-')[1])
      const code = ERRORS.find((e) => e.status === status)?.code ?? 'NONE'
      // A distinct body each time: a replay would show.
      const body =
        status >= 400
          ? Buffer.from(`{"domain":"drive","code":"${code}","message":"call ${n}"}`)
          : Buffer.from(status === 204 ? '' : `{"call":${n}}`)
      sent.push(body)
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(status !== 204 && { 'content-length': body.length }),
        // Even an error that says it may be cached is not stored.
        'cache-control': 'max-age=600',
      })
      res.end(status === 204 ? undefined : body)
    })
    prefix = uniquePrefix()
    gateway = await startCachingGateway(origin.url, { REDIS_KEY_PREFIX: prefix })
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await gateway.close()
    await origin.close()
  })

  it('covers the whole table', () => {
    expect(ERRORS.map((e) => e.status)).toEqual(
      expect.arrayContaining([400, 401, 403, 404, 405, 406, 409, 429, 500, 501, 503, 598])
    )
  })

  it.each(ERRORS)(
    '$status $code: two requests, two upstream calls, bodies untouched',
    async ({ status }) => {
      const path = `/files/status-${status}`
      const before = sent.length
      const first = await client.send(`${gateway.url}${path}`, { headers: CALLER })
      const second = await client.send(`${gateway.url}${path}`, { headers: CALLER })
      expect(origin.count((r) => r.path === path)).toBe(2)
      expect([first.status, second.status]).toEqual([status, status])
      expect([first.cache, second.cache]).toEqual(['MISS', 'MISS'])
      expect(first.body.equals(sent[before]!)).toBe(true)
      expect(second.body.equals(sent[before + 1]!)).toBe(true)
      expect(second.headers.age).toBeUndefined()
    }
  )

  it.each(OTHER_SUCCESSES)('%s is not stored by default', async (status) => {
    const path = `/files/status-${status}`
    await client.send(`${gateway.url}${path}`, { headers: CALLER })
    const again = await client.send(`${gateway.url}${path}`, { headers: CALLER })
    expect(again.cache).toBe('MISS')
    expect(origin.count((r) => r.path === path)).toBe(2)
  })

  it('left no entry in Redis', async () => {
    const redis = new Redis(inject('redisUrl'))
    try {
      expect(await redis.keys(`${prefix}*:e${ENTRY_FORMAT_VERSION}:*`)).toEqual([])
    } finally {
      redis.disconnect()
    }
  })
})

describe('CACHE_STATUSES', () => {
  it('stores 203 only when configured', async () => {
    const origin = await startOrigin()
    const gateway = await startCachingGateway(origin.url, { CACHE_STATUSES: '200,203' })
    const client = createClient()
    try {
      const url = `${gateway.url}/files/s203?status=203`
      expect((await client.send(url, { headers: CALLER })).cache).toBe('MISS')
      expect((await client.send(url, { headers: CALLER })).cache).toBe('HIT')
    } finally {
      await client.close()
      await gateway.close()
      await origin.close()
    }
  })
})
