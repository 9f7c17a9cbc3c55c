import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultHandler } from './helpers/cache/origin.ts'
import { ALICE, BOB, startWriteRig, type WriteRig } from './helpers/cache/write-rig.ts'

/**
 * Defect: restoring from the recycle bin, or deleting from it, left the `recycle-files` listing
 * and the restored file's folder cached (the restore names neither in its path). The folder is
 * the body's `toParentKey`, or else the folder the file was last listed in.
 */
describe('a recycle-bin restore or delete invalidates the bin listing and the file folder', () => {
  let rig: WriteRig
  beforeAll(async () => {
    rig = await startWriteRig()
    rig.origin.on('/files/home-folder/children', (req, res, n) => {
      if (req.method !== 'GET') return defaultHandler(req, res, n)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ offset: 0, hasMore: false, items: [{ resourceKey: 'bin-2' }] }))
    })
  })
  afterAll(() => rig.close())

  const bin = '/recycle-files?offset=0&limit=20'

  it('a restore into the folder named in its JSON body', async () => {
    await rig.warm(bin)
    await rig.warm('/files/restore-target/children')
    const res = await rig.send(
      '/recycle-files/bin-1/restore',
      BOB,
      'POST',
      JSON.stringify({ toParentKey: 'restore-target', overWrite: false }),
      { 'content-type': 'application/json' }
    )
    expect(res.status).toBe(200)
    expect(await rig.statuses(bin)).toEqual(['MISS', 'MISS'])
    expect(await rig.statuses('/files/restore-target/children')).toEqual(['MISS', 'MISS'])
  })

  it('a restore to where the file was: the folder it was listed in', async () => {
    await rig.warm('/files/home-folder/children')
    await rig.send('/files/bin-2', ALICE, 'DELETE')
    await rig.warm(bin)
    await rig.warm('/files/home-folder/children')
    expect((await rig.send('/recycle-files/bin-2/restore', ALICE, 'POST')).status).toBe(200)
    expect(await rig.statuses(bin)).toEqual(['MISS', 'MISS'])
    expect(await rig.statuses('/files/home-folder/children')).toEqual(['MISS', 'MISS'])
  })

  it('a delete from the bin', async () => {
    await rig.warm(bin)
    expect((await rig.send('/recycle-files/bin-3', ALICE, 'DELETE')).status).toBe(200)
    expect(await rig.statuses(bin)).toEqual(['MISS', 'MISS'])
  })
})
