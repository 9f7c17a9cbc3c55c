import { Redis } from 'ioredis'
import { describe, expect, inject, it } from 'vitest'
import { MemoryStore } from '../src/cache/memory-store.ts'
import { createRedisClient } from '../src/cache/redis-client.ts'
import { RedisStore } from '../src/cache/redis-store.ts'
import { cacheStoreTests } from './helpers/cache/store-contract.ts'

const redisConfig = () => ({
  url: inject('redisUrl'),
  mode: 'standalone' as const,
  nodes: [],
  sentinelName: undefined,
  keyPrefix: 'dgw:',
})

cacheStoreTests('MemoryStore', async () => new MemoryStore({ maxBytes: 1024 * 1024 }))
cacheStoreTests(
  'RedisStore',
  async () => new RedisStore(createRedisClient(redisConfig(), { commandTimeoutMs: 1_000 }))
)

describe('RedisStore against the real server', () => {
  it('writes what it was given with a TTL and sends no command while disconnected', async () => {
    const store = new RedisStore(createRedisClient(redisConfig(), { commandTimeoutMs: 20_000 }))
    const probe = new Redis(inject('redisUrl'))
    try {
      await store.ready(5_000)
      const key = `dgw-contract:${Date.now()}:{ttl}`
      await store.set(key, Buffer.from('v'), 5_000)
      const ttl = await probe.pttl(key)
      expect(ttl).toBeGreaterThan(4_000)
      expect(ttl).toBeLessThanOrEqual(5_000)
      await store.close()
      // No offline queue: a call after the connection is gone fails at once rather than
      // waiting for a reconnect (or for the 20 s command timeout).
      const started = performance.now()
      await expect(store.get([key])).rejects.toThrow()
      expect(performance.now() - started).toBeLessThan(10_000)
    } finally {
      probe.disconnect()
    }
  })
})
