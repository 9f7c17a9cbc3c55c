import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startReadYourWritesRig, type ReadYourWritesRig } from './helpers/cache/read-your-writes.ts'

/**
 * Defect: a write acknowledged while Redis was down left its bump pending, but the first lookups
 * once Redis was back read the copy stored before the outage and served it as a HIT: the failed
 * bump did not open the breaker, and when the breaker was open its probe could be a lookup, which
 * read before the pending bump was replayed.
 */
describe('read-your-writes on the first lookups after a Redis outage', () => {
  let rig: ReadYourWritesRig
  beforeAll(async () => {
    rig = await startReadYourWritesRig()
  })
  afterAll(() => rig?.close())

  it('replays the write made during the outage before the store serves any read', async () => {
    const path = '/files/outage-1'
    const before = await rig.cached(path)
    // Kept on disk, so the restarted Redis still holds the old copy and its generations.
    await rig.redis.call((c) => c.save())
    await rig.redis.kill()

    expect(await rig.write(path)).toBe(200)
    // The bump it could not make opened the breaker at once, not after more failures.
    expect(await rig.storeUp()).toBe(0)

    await rig.redis.restart()
    expect(await rig.redis.call((c) => c.dbsize())).toBeGreaterThan(0)
    const after = await rig.lookupUntil(path, (s) => s.cache === 'HIT')
    expect(after.filter((s) => s.n === before)).toEqual([])
    expect(await rig.storeUp()).toBe(1)
  })
})
