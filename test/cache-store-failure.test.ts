import { setTimeout as sleep } from 'node:timers/promises'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { TestGateway } from './helpers/gateway.ts'
import { startRedisServer, type RedisServer } from './helpers/redis-server.ts'

import { createClient, type Answer, type Client } from './helpers/cache/client.ts'

import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'
import { sample } from './helpers/metrics-text.ts'

const CALLER = { authorization: 'Bearer outage' }
const STORE_TIMEOUT_MS = 100
// Generous: far below "waits for Redis" (seconds, or forever), far above one store timeout.
const DEADLINE_MS = 1_500

/** Rejects when `promise` has not settled within `ms`. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`)
    await sleep(50)
  }
}

/** Sends lookups from `workers` loops until stopped; records every answer or failure. */
function load(send: (path: string) => Promise<Answer>, workers = 4) {
  const answers: Answer[] = []
  const failures: unknown[] = []
  let running = true
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i++) {
      try {
        answers.push(await within(DEADLINE_MS, send(`/files/load-${w}-${i % 5}`)))
      } catch (error) {
        failures.push(error)
      }
    }
  })
  return {
    answers,
    failures,
    since: (index: number) => answers.slice(index).map((a) => a.cache),
    async stop() {
      running = false
      await Promise.all(loops)
    },
  }
}

describe('a failing Redis never fails a request', () => {
  let origin: Origin
  let redis: RedisServer
  let gateway: TestGateway
  let client: Client
  const send = (path: string, method = 'GET') =>
    client.send(`${gateway.url}${path}`, { method, headers: CALLER })
  const storeUp = async () => sample(await gateway.scrape(), 'drive_gateway_cache_store_up')

  beforeAll(async () => {
    origin = await startOrigin()
    redis = await startRedisServer()
    gateway = await startCachingGateway(origin.url, {
      REDIS_URL: redis.url,
      CACHE_STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
      CACHE_BREAKER_FAILURES: '3',
      CACHE_BREAKER_COOLDOWN_MS: '300',
    })
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await gateway.close()
    await redis.stop()
    await origin.close()
  })

  it('Redis killed mid-load: no failed request, UNAVAILABLE and store_up 0, then HITs again', async () => {
    await send('/files/load-0-0')
    expect((await send('/files/load-0-0')).cache).toBe('HIT')
    expect(await storeUp()).toBe(1)

    const traffic = load(send)
    await sleep(300)
    const killedAt = traffic.answers.length
    await redis.kill()
    await eventually(async () => traffic.since(killedAt).includes('UNAVAILABLE'))
    await eventually(async () => (await storeUp()) === 0)
    const errors = await gateway.scrape()
    expect(
      sample(errors, 'drive_gateway_cache_store_errors_total', '{operation="get"}')
    ).toBeGreaterThan(0)

    await redis.restart()
    const restartedAt = traffic.answers.length
    await eventually(async () => traffic.since(restartedAt).includes('HIT'))
    await eventually(async () => (await storeUp()) === 1)
    await traffic.stop()

    expect(traffic.failures).toEqual([])
    expect(traffic.answers.every((a) => a.status === 200)).toBe(true)
    const during = traffic.since(killedAt)
    expect(during).toContain('UNAVAILABLE')
    // While Redis is down nothing claims to come from it.
    expect(
      traffic.answers.every((a) => ['HIT', 'MISS', 'UNAVAILABLE', 'COALESCED'].includes(a.cache!))
    ).toBe(true)
  })

  it('Redis stalled (SIGSTOP): every request is answered by the upstream within the bound', async () => {
    await send('/files/stall-1')
    expect((await send('/files/stall-1')).cache).toBe('HIT')
    redis.pause()
    try {
      // Enough to open the breaker (3 failures), then some that skip the store entirely.
      for (let i = 0; i < 8; i++) {
        const res = await within(DEADLINE_MS, send(`/files/stall-${i % 2}`))
        expect(res.status).toBe(200)
        expect(res.cache).toBe('UNAVAILABLE')
      }
      expect(await storeUp()).toBe(0)
      // A write during the stall still answers; its invalidation waits for Redis.
      const write = await within(DEADLINE_MS, send('/files/stall-1', 'DELETE'))
      expect(write.status).toBe(200)
    } finally {
      redis.resume()
    }
    await eventually(async () => (await send('/files/stall-probe')).cache !== 'UNAVAILABLE')
    await eventually(async () => (await storeUp()) === 1)
    // The entry cached before the stall was invalidated by the replayed bump.
    await sleep(100)
    expect((await send('/files/stall-1')).cache).toBe('MISS')
  })
})

describe('Redis unreachable at start-up', () => {
  it('starts anyway, bypasses the store, and uses it once it appears', async () => {
    const origin = await startOrigin()
    const redis = await startRedisServer()
    await redis.kill()
    const gateway = await startCachingGateway(origin.url, {
      REDIS_URL: redis.url,
      CACHE_BREAKER_COOLDOWN_MS: '200',
    })
    const client = createClient()
    const send = () => client.send(`${gateway.url}/files/late`, { headers: CALLER })
    try {
      expect(sample(await gateway.scrape(), 'drive_gateway_cache_store_up')).toBe(0)
      const res = await within(DEADLINE_MS, send())
      expect([res.status, res.cache]).toEqual([200, 'UNAVAILABLE'])
      await redis.restart()
      await eventually(async () => (await send()).cache === 'HIT')
      expect(sample(await gateway.scrape(), 'drive_gateway_cache_store_up')).toBe(1)
    } finally {
      await client.close()
      await gateway.close()
      await redis.stop()
      await origin.close()
    }
  })
})
