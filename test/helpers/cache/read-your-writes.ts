import { setTimeout as sleep } from 'node:timers/promises'

import { expect } from 'vitest'

import type { TestGateway } from '../gateway.ts'
import { startRedisServer, type RedisServer } from '../redis-server.ts'

import { createClient, type Client } from './client.ts'

import { startCachingGateway } from './gateway.ts'
import { startOrigin, type Origin } from './origin.ts'
import { sample } from '../metrics-text.ts'

export const CALLER = { authorization: 'Bearer reader-writer' }

/** An answer to a lookup: its cache status and the origin's request number in its body. */
export interface Seen {
  readonly cache: string | undefined
  readonly n: number
}

/**
 * A gateway on its own `redis-server` (which a test may fill, demote or kill), in front of an
 * origin whose answers carry a request counter, so a copy stored before a write is recognised.
 * Short cooldown, so several breaker probes happen within a test.
 */
export interface ReadYourWritesRig {
  readonly redis: RedisServer
  readonly origin: Origin
  readonly gateway: TestGateway
  readonly client: Client
  /** Looks `path` up until it is a HIT; the origin's request number of the stored copy. */
  cached(path: string): Promise<number>
  lookup(path: string): Promise<Seen>
  write(path: string, method?: string): Promise<number>
  /** Looks `path` up every 20 ms for `ms`. */
  lookupsFor(path: string, ms: number): Promise<Seen[]>
  /** Looks `path` up until `done` holds for an answer, or fails after `ms`. */
  lookupUntil(path: string, done: (seen: Seen) => boolean, ms?: number): Promise<Seen[]>
  storeUp(): Promise<number | undefined>
  close(): Promise<void>
}

export const COOLDOWN_MS = 300

export async function startReadYourWritesRig(
  redisConfig: readonly string[] = []
): Promise<ReadYourWritesRig> {
  const redis = await startRedisServer({ config: redisConfig })
  const origin = await startOrigin()
  const gateway = await startCachingGateway(origin.url, {
    REDIS_URL: redis.url,
    CACHE_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
  })
  const client = createClient()
  const lookup = async (path: string): Promise<Seen> => {
    const answer = await client.send(`${gateway.url}${path}`, { headers: CALLER })
    expect(answer.status).toBe(200)
    return { cache: answer.cache, n: (JSON.parse(answer.body.toString()) as { n: number }).n }
  }
  const lookupUntil = async (path: string, done: (seen: Seen) => boolean, ms = 15_000) => {
    const seen: Seen[] = []
    const deadline = Date.now() + ms
    for (;;) {
      seen.push(await lookup(path))
      if (done(seen.at(-1)!)) return seen
      if (Date.now() > deadline) {
        throw new Error(`${path}: not reached in ${ms} ms; saw ${JSON.stringify(seen.slice(-5))}`)
      }
      await sleep(20)
    }
  }
  return {
    redis,
    origin,
    gateway,
    client,
    lookup,
    lookupUntil,
    async cached(path) {
      return (await lookupUntil(path, (seen) => seen.cache === 'HIT')).at(-1)!.n
    },
    async write(path, method = 'DELETE') {
      const answer = await client.send(`${gateway.url}${path}`, { method, headers: CALLER })
      return answer.status
    },
    async lookupsFor(path, ms) {
      const seen: Seen[] = []
      const until = Date.now() + ms
      while (Date.now() < until) {
        seen.push(await lookup(path))
        await sleep(20)
      }
      return seen
    },
    async storeUp() {
      return sample(await gateway.scrape(), 'drive_gateway_cache_store_up')
    },
    async close() {
      await client.close()
      await gateway.close()
      await origin.close()
      await redis.stop()
    },
  }
}
