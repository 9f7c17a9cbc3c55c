import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from './helpers/redis-server.ts'
import {
  COOLDOWN_MS,
  startReadYourWritesRig,
  type ReadYourWritesRig,
} from './helpers/cache/read-your-writes.ts'

/**
 * Defect: a Redis demoted to a replica (as after a failover the gateway has not followed yet)
 * answers writes `READONLY` but keeps serving its data. The generation bump of an acknowledged
 * write was refused and the next lookup was a HIT of the copy stored before the write.
 */
describe('read-your-writes while Redis is a read-only replica', () => {
  let rig: ReadYourWritesRig
  beforeAll(async () => {
    rig = await startReadYourWritesRig()
  })
  afterAll(() => rig?.close())

  it('never serves a copy stored before an acknowledged write, and says the store is down', async () => {
    const path = '/files/readonly-1'
    const before = await rig.cached(path)
    // A replica of a master that is not there: it keeps its data, serves reads, refuses writes.
    const nowhere = await freePort()
    await rig.redis.call(async (c) => {
      await c.call('REPLICAOF', '127.0.0.1', String(nowhere))
      await expect(c.set('probe', '1')).rejects.toThrow(/READONLY/)
      expect(await c.dbsize()).toBeGreaterThan(0)
    })

    expect(await rig.write(path)).toBe(200)
    const seen = await rig.lookupsFor(path, COOLDOWN_MS * 4)
    expect(seen.filter((s) => s.n === before)).toEqual([])
    expect(seen.every((s) => s.cache === 'UNAVAILABLE')).toBe(true)
    expect(await rig.storeUp()).toBe(0)

    // Promoted again: the pending bump is replayed before any read is served.
    await rig.redis.call((c) => c.call('REPLICAOF', 'NO', 'ONE'))
    const after = await rig.lookupUntil(path, (s) => s.cache === 'HIT')
    expect(after.filter((s) => s.n === before)).toEqual([])
    expect(await rig.storeUp()).toBe(1)
  })
})
