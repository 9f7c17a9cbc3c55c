import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALICE, startWriteRig, type WriteRig } from './helpers/cache/write-rig.ts'

/**
 * Defect: `getQuota` and `getUserInfo` (API 1.0) name no resource, so uploads and deletes, which
 * change the space used, left them cached until their TTL.
 */
describe('quota and user info are invalidated by uploads and deletes', () => {
  let rig: WriteRig
  beforeAll(async () => {
    rig = await startWriteRig()
  })
  afterAll(() => rig.close())

  const info = ['/getQuota/v1', '/getUserInfo/v1']

  it.each([
    ['an upload', 'POST', '/files?toParentKey=root'],
    ['a delete', 'DELETE', '/files/quota-file'],
    ['a delete from the recycle bin', 'DELETE', '/recycle-files/quota-file'],
  ])('after %s', async (_what, method, path) => {
    for (const lookup of info) await rig.warm(lookup)
    expect((await rig.send(path, ALICE, method, 'bytes')).status).toBe(200)
    for (const lookup of info) expect(await rig.statuses(lookup), lookup).toEqual(['MISS', 'MISS'])
  })

  it('but not after a read', async () => {
    for (const lookup of info) await rig.warm(lookup)
    await rig.send('/files/quota-file/download', ALICE)
    for (const lookup of info) expect(await rig.statuses(lookup), lookup).toEqual(['HIT', 'HIT'])
  })
})
