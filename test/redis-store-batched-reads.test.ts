import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisClient } from '../src/cache/redis-client.ts'
import { RedisStore } from '../src/cache/redis-store.ts'
import { startRedisServer, type RedisServer } from './helpers/redis-server.ts'

// The lookups of one turn of the event loop go out as one MGET (one write, one reply), each
// still getting exactly its own values; a failure fails every lookup of that turn, and the next
// turn starts afresh. Its own redis-server, so the command count is this test's alone.
let server: RedisServer
let store: RedisStore

beforeAll(async () => {
  server = await startRedisServer()
  store = new RedisStore(
    createRedisClient(
      { mode: 'standalone', url: server.url, nodes: [], sentinelName: undefined, keyPrefix: '' },
      { commandTimeoutMs: 1_000 }
    )
  )
  await store.ready(5_000)
})
afterAll(async () => {
  await store?.close()
  await server?.kill()
})

const mgets = () =>
  server.call(async (client) => {
    const stats = await client.info('commandstats')
    return Number(/cmdstat_mget:calls=(\d+)/.exec(stats)?.[1] ?? 0)
  })

describe('RedisStore reads', () => {
  it('sends the lookups of one turn as one MGET, each answered with its own values', async () => {
    await store.set('a', Buffer.from('A'), 60_000)
    await store.set('b', Buffer.from('B'), 60_000)
    await store.set('c', Buffer.from('C'), 60_000)
    const before = await mgets()
    const answers = await Promise.all([
      store.get(['a', 'missing']),
      store.get(['c']),
      store.get(['b', 'a', 'c']),
    ])
    expect(answers.map((values) => values.map((v) => v?.toString()))).toEqual([
      ['A', undefined],
      ['C'],
      ['B', 'A', 'C'],
    ])
    expect(await mgets()).toBe(before + 1)

    // Lookups of a later turn are a command of their own.
    await store.get(['a'])
    expect(await mgets()).toBe(before + 2)
  })

  it('fails every lookup of a turn together when Redis does, and recovers', async () => {
    server.pause()
    const failed = await Promise.allSettled([store.get(['a']), store.get(['b'])])
    server.resume()
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    await expect.poll(async () => (await store.get(['b']))[0]?.toString()).toBe('B')
  })
})
