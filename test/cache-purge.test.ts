import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { startRedisServer } from './helpers/redis-server.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'

const TOKEN = 'admin-token-for-tests'
const ALICE = { authorization: 'Bearer alice' }
const BOB = { authorization: 'Bearer bob' }

describe('POST /cache/purge', () => {
  let origin: Origin
  let gateway: TestGateway
  let client: Client
  const purge = (body: unknown, authorization: string | null = `Bearer ${TOKEN}`) =>
    client.send(`${gateway.adminUrl}/cache/purge`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(authorization !== null && { authorization }),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  const lookup = (path: string, who = ALICE) =>
    client.send(`${gateway.url}${path}`, { headers: who })
  const warm = async (...paths: string[]) => {
    for (const path of paths) {
      for (const who of [ALICE, BOB]) {
        await lookup(path, who)
        expect((await lookup(path, who)).cache).toBe('HIT')
      }
    }
  }

  beforeAll(async () => {
    origin = await startOrigin()
    gateway = await startCachingGateway(origin.url, { ADMIN_TOKEN: TOKEN })
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await gateway.close()
    await origin.close()
  })

  it.each([
    ['no token', null],
    ['a wrong token', 'Bearer nope'],
    ['the token without Bearer', TOKEN],
    ['a longer token', `Bearer ${TOKEN}x`],
  ])('answers 401 to %s', async (_label, authorization) => {
    const res = await purge({ all: true }, authorization)
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/)
  })

  it.each([
    ['not JSON', '{'],
    ['an empty object', {}],
    ['both fields', { all: true, resourceKey: 'x' }],
    ['all: false', { all: false }],
    ['an empty key', { resourceKey: '' }],
    ['a numeric key', { resourceKey: 7 }],
  ])('answers 400 to %s', async (_label, body) => {
    expect((await purge(body)).status).toBe(400)
  })

  it('purges one resource for every caller, and nothing else', async () => {
    await warm('/files/pk1', '/files/pk1/children', '/files/pk2')
    const res = await purge({ resourceKey: 'pk1' })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body.toString())).toEqual({ purged: 'resource', resourceKey: 'pk1' })
    for (const who of [ALICE, BOB]) {
      expect((await lookup('/files/pk1', who)).cache).toBe('MISS')
      expect((await lookup('/files/pk1/children', who)).cache).toBe('MISS')
      expect((await lookup('/files/pk2', who)).cache).toBe('HIT')
    }
  })

  it('purges everything', async () => {
    await warm('/files/pa1', '/users/u1/drive/files/f1', '/sharedrives')
    const res = await purge({ all: true })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body.toString())).toEqual({ purged: 'all' })
    for (const path of ['/files/pa1', '/users/u1/drive/files/f1', '/sharedrives']) {
      expect((await lookup(path)).cache).toBe('MISS')
    }
  })
})

describe('POST /cache/purge edge cases', () => {
  it('answers 404 when ADMIN_TOKEN is unset', async () => {
    const origin = await startOrigin()
    const gateway = await startCachingGateway(origin.url)
    const client = createClient()
    try {
      const res = await client.send(`${gateway.adminUrl}/cache/purge`, {
        method: 'POST',
        headers: { authorization: 'Bearer anything', 'content-type': 'application/json' },
        body: '{"all":true}',
      })
      expect(res.status).toBe(404)
    } finally {
      await client.close()
      await gateway.close()
      await origin.close()
    }
  })

  it('answers 503 when the store is down (nothing was purged)', async () => {
    const origin = await startOrigin()
    const redis = await startRedisServer()
    const gateway = await startCachingGateway(origin.url, {
      REDIS_URL: redis.url,
      ADMIN_TOKEN: TOKEN,
    })
    const client = createClient()
    try {
      await redis.kill()
      const res = await client.send(`${gateway.adminUrl}/cache/purge`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: '{"resourceKey":"x"}',
      })
      expect(res.status).toBe(503)
    } finally {
      await client.close()
      await gateway.close()
      await redis.stop()
      await origin.close()
    }
  })
})
