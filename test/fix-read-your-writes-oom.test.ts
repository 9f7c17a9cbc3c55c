import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  COOLDOWN_MS,
  startReadYourWritesRig,
  type ReadYourWritesRig,
} from './helpers/cache/read-your-writes.ts'

/**
 * Defect: a Redis out of memory with `maxmemory-policy noeviction` refuses writes but serves
 * reads. The generation bump of an acknowledged write was refused, the breaker stayed closed
 * (one failure among successful reads), and the next lookup was a HIT of the copy stored before
 * the write, with `drive_gateway_cache_store_up` still 1.
 */
describe('read-your-writes while Redis is out of memory (noeviction)', () => {
  let rig: ReadYourWritesRig
  beforeAll(async () => {
    rig = await startReadYourWritesRig(['maxmemory-policy noeviction'])
  })
  afterAll(() => rig?.close())

  it('never serves a copy stored before an acknowledged write, and says the store is down', async () => {
    const path = '/files/oom-1'
    const before = await rig.cached(path)
    // Fill it past 1 MB, then cap it there: every write is refused with OOM, reads still work.
    await rig.redis.call(async (c) => {
      for (let i = 0; i < 4; i++) await c.set(`filler:${i}`, 'x'.repeat(512 * 1024))
      await c.config('SET', 'maxmemory', '1mb')
      await expect(c.set('probe', '1')).rejects.toThrow(/OOM/)
      expect(await c.get('filler:0')).toHaveLength(512 * 1024)
    })

    expect(await rig.write(path)).toBe(200)
    const seen = await rig.lookupsFor(path, COOLDOWN_MS * 4)
    expect(seen.filter((s) => s.n === before)).toEqual([])
    expect(seen.every((s) => s.cache === 'UNAVAILABLE')).toBe(true)
    expect(await rig.storeUp()).toBe(0)

    // Room again: the pending bump is replayed, then the cache serves (new copies) again.
    await rig.redis.call((c) => c.config('SET', 'maxmemory', '0'))
    const after = await rig.lookupUntil(path, (s) => s.cache === 'HIT')
    expect(after.filter((s) => s.n === before)).toEqual([])
    expect(await rig.storeUp()).toBe(1)
  })
})
