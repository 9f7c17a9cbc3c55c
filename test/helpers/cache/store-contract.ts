import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CacheStore } from '../../../src/cache/store.ts'

/**
 * The behaviour every `CacheStore` must have, after undici's `cacheStoreTests(Store)`: run it
 * against each implementation. `make` returns a ready store; keys are unique per test, so a
 * shared Redis is never flushed.
 */
export function cacheStoreTests(name: string, make: () => Promise<CacheStore>): void {
  describe(`${name}: CacheStore contract`, () => {
    let store: CacheStore
    const key = (label: string) => `dgw-contract:${randomUUID()}:{${label}}`

    beforeAll(async () => {
      store = await make()
      expect(await store.ready(5_000)).toBe(true)
    })
    afterAll(() => store.close())

    it('matches the interface', () => {
      for (const method of ['get', 'set', 'delete', 'bump', 'tryLock', 'ready', 'close']) {
        expect(typeof (store as unknown as Record<string, unknown>)[method]).toBe('function')
      }
      expect(typeof store.kind).toBe('string')
    })

    it('answers undefined for absent keys, in order', async () => {
      const a = key('a')
      await store.set(a, Buffer.from('A'), 10_000)
      const values = await store.get([key('none'), a, key('none2')])
      expect(values.map((v) => v?.toString())).toEqual([undefined, 'A', undefined])
    })

    it('keeps values byte for byte', async () => {
      const k = key('bytes')
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
      await store.set(k, bytes, 10_000)
      expect((await store.get([k]))[0]).toEqual(bytes)
    })

    it('overwrites and deletes', async () => {
      const k = key('over')
      await store.set(k, Buffer.from('1'), 10_000)
      await store.set(k, Buffer.from('2'), 10_000)
      expect((await store.get([k]))[0]?.toString()).toBe('2')
      await store.delete([k, key('never-set')])
      expect((await store.get([k]))[0]).toBeUndefined()
    })

    it('expires values after their ttl', async () => {
      const k = key('ttl')
      await store.set(k, Buffer.from('x'), 60)
      expect((await store.get([k]))[0]).toBeDefined()
      await sleep(150)
      expect((await store.get([k]))[0]).toBeUndefined()
    })

    it('gives a new generation token on every bump, never one seen before', async () => {
      const g = key('gen')
      expect((await store.get([g]))[0]).toBeUndefined()
      const seen = new Set<string>()
      for (let i = 0; i < 50; i++) {
        await store.bump([g], 10_000)
        const token = (await store.get([g]))[0]!.toString()
        expect(seen.has(token)).toBe(false)
        seen.add(token)
      }
    })

    it('bumps several keys at once, and generations expire', async () => {
      const [a, b] = [key('ga'), key('gb')]
      await store.bump([a, b], 80)
      const [ta, tb] = await store.get([a, b])
      expect(ta).toBeDefined()
      expect(tb).toBeDefined()
      await sleep(200)
      expect(await store.get([a, b])).toEqual([undefined, undefined])
    })

    it('hands a lock to one caller until it expires or is deleted', async () => {
      const l = key('lock')
      expect(await store.tryLock(l, 100)).toBe(true)
      expect(await store.tryLock(l, 100)).toBe(false)
      await sleep(200)
      expect(await store.tryLock(l, 10_000)).toBe(true)
      await store.delete([l])
      expect(await store.tryLock(l, 10_000)).toBe(true)
    })

    it('accepts keys with braces, colons and non-ASCII characters', async () => {
      const k = key('ファイル:{x}')
      await store.set(k, Buffer.from('ok'), 10_000)
      expect((await store.get([k]))[0]?.toString()).toBe('ok')
    })
  })
}
