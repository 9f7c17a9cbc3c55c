import { describe, expect, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { startRedisServer } from './helpers/redis-server.ts'
import { createClient } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startRedisCluster, startRedisSentinel } from './helpers/cache/redis-modes.ts'
import { startOrigin } from './helpers/cache/origin.ts'

const CALLER = { authorization: 'Bearer modes' }

/** Lookups hit, an API 2.0 write invalidates the file and its parent listing. */
async function exercise(gateway: TestGateway) {
  const client = createClient()
  const at = (path: string, method = 'GET') =>
    client.send(`${gateway.url}${path}`, { method, headers: CALLER })
  try {
    for (const path of ['/users/u1/drive/files/f1', '/users/u1/drive/files']) {
      expect((await at(path)).cache).toBe('MISS')
      expect((await at(path)).cache).toBe('HIT')
    }
    expect((await at('/users/u1/drive/files/f1', 'DELETE')).status).toBe(200)
    expect((await at('/users/u1/drive/files/f1')).cache).toBe('MISS')
    expect((await at('/users/u1/drive/files')).cache).toBe('MISS')
    const scrape = await gateway.scrape()
    expect(scrape).not.toMatch(/drive_gateway_cache_store_errors_total\{/)
  } finally {
    await client.close()
  }
}

describe('Redis modes', () => {
  it('works against Redis Cluster (REDIS_MODE=cluster), never crossing slots', async () => {
    const origin = await startOrigin()
    const cluster = await startRedisCluster()
    let gateway: TestGateway | undefined
    try {
      gateway = await startCachingGateway(origin.url, {
        REDIS_URL: '',
        REDIS_MODE: 'cluster',
        REDIS_NODES: `127.0.0.1:${cluster.port}`,
      })
      await exercise(gateway)
    } finally {
      await gateway?.close()
      await cluster.stop()
      await origin.close()
    }
  })

  it('works through Sentinel (REDIS_MODE=sentinel)', async () => {
    const origin = await startOrigin()
    const master = await startRedisServer()
    const sentinel = await startRedisSentinel(master.port, 'dgwmaster')
    let gateway: TestGateway | undefined
    try {
      gateway = await startCachingGateway(origin.url, {
        REDIS_URL: '',
        REDIS_MODE: 'sentinel',
        REDIS_NODES: `127.0.0.1:${sentinel.port}`,
        REDIS_SENTINEL_NAME: 'dgwmaster',
      })
      await exercise(gateway)
    } finally {
      await gateway?.close()
      await sentinel.stop()
      await master.stop()
      await origin.close()
    }
  })
})
