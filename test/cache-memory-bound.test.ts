import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryStore } from '../src/cache/memory-store.ts'
import { spawnGateway, type GatewayProcess } from './helpers/gateway.ts'
import { createClient } from './helpers/cache/client.ts'
import { startMemoryGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'

const AUTH = { authorization: 'Bearer bound' }

describe('MemoryStore bound', () => {
  it('never holds more than maxBytes, whatever is written', async () => {
    const maxBytes = 64 * 1024
    const store = new MemoryStore({ maxBytes })
    for (let i = 0; i < 2_000; i++) {
      const size = Math.floor(Math.random() * 8 * 1024)
      if (i % 3 === 0) await store.bump([`g${i % 50}`], 60_000)
      else await store.set(`k${i % 300}`, randomBytes(size), 60_000)
      expect(store.bytes).toBeLessThanOrEqual(maxBytes)
    }
    expect(store.count).toBeGreaterThan(0)
  })

  it('evicts the least recently used entry first', async () => {
    const store = new MemoryStore({ maxBytes: 4 * 1024 })
    const kib = Buffer.alloc(1000)
    for (const k of ['a', 'b', 'c']) await store.set(k, kib, 60_000)
    await store.get(['a'])
    await store.set('d', kib, 60_000)
    const [a, b, c, d] = await store.get(['a', 'b', 'c', 'd'])
    expect([!!a, !!b, !!c, !!d]).toEqual([true, false, true, true])
  })

  it('refuses a value larger than the bound', async () => {
    const store = new MemoryStore({ maxBytes: 2048 })
    await store.set('big', Buffer.alloc(4096), 60_000)
    expect((await store.get(['big']))[0]).toBeUndefined()
    expect(store.bytes).toBe(0)
  })

  it('counts the bytes it really keeps (a small view of a large buffer is copied)', async () => {
    const store = new MemoryStore({ maxBytes: 16 * 1024 })
    const slab = Buffer.alloc(1024 * 1024)
    await store.set('view', slab.subarray(0, 10), 60_000)
    const [kept] = await store.get(['view'])
    expect(kept!.buffer.byteLength).toBe(10)
  })

  it('evicts entries before generations, and drops everything when generations alone overflow', async () => {
    const store = new MemoryStore({ maxBytes: 2048 })
    await store.bump(['gen'], 60_000)
    await store.set('entry', Buffer.alloc(900), 60_000)
    await store.set('entry2', Buffer.alloc(900), 60_000)
    expect((await store.get(['gen']))[0]).toBeDefined()
    expect((await store.get(['entry']))[0]).toBeUndefined()
    for (let i = 0; i < 40; i++) await store.bump([`g${i}`], 60_000)
    expect(store.bytes).toBeLessThanOrEqual(2048)
    expect((await store.get(['entry2']))[0]).toBeUndefined()
  })
})

describe('gateway with the memory store', () => {
  let origin: Origin
  beforeAll(async () => {
    origin = await startOrigin()
  })
  afterAll(() => origin.close())

  it('evicts old entries through the gateway once the bound is reached', async () => {
    const gateway = await startMemoryGateway(origin.url, { CACHE_MEMORY_MAX_BYTES: '65536' })
    const client = createClient()
    try {
      // 40 entries of about 4 KiB cannot all fit in 64 KiB.
      for (let i = 0; i < 40; i++) {
        const res = await client.send(`${gateway.url}/files/m${i}?size=4000`, { headers: AUTH })
        expect(res.cache).toBe('MISS')
      }
      expect(
        (await client.send(`${gateway.url}/files/m39?size=4000`, { headers: AUTH })).cache
      ).toBe('HIT')
      expect(
        (await client.send(`${gateway.url}/files/m0?size=4000`, { headers: AUTH })).cache
      ).toBe('MISS')
    } finally {
      await client.close()
      await gateway.close()
    }
  })

  it("keeps the gateway process's memory near its bound while far more passes through", async () => {
    // The gateway's own process (not this runner): 300 distinct 512 KiB lookups (150 MiB)
    // through an 8 MiB store. Unbounded, they would all stay resident.
    const child: GatewayProcess = await spawnGateway({
      UPSTREAM_URL: origin.url,
      CACHE_MEMORY_MAX_BYTES: String(8 * 1024 * 1024),
    })
    const client = createClient({ connections: 8 })
    try {
      const url = (i: number) => `${child.url}/files/rss${i}?size=${512 * 1024}&chunked=1`
      for (let i = 0; i < 20; i++) await client.send(url(i), { headers: AUTH })
      const before = child.rss()
      for (let i = 20; i < 320; i += 4) {
        await Promise.all([0, 1, 2, 3].map((j) => client.send(url(i + j), { headers: AUTH })))
      }
      expect((await client.send(url(319), { headers: AUTH })).cache).toBe('HIT')
      const grown = child.rss() - before
      expect(grown).toBeLessThan(100 * 1024 * 1024)
    } finally {
      await client.close()
      await child.stop()
    }
  })
})
