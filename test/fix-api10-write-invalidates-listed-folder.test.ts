import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultHandler } from './helpers/cache/origin.ts'
import { ALICE, startWriteRig, type WriteRig } from './helpers/cache/write-rig.ts'

/**
 * Defect: an API 1.0 write (`DELETE /files/{key}`, a rename, a move) names the file but not its
 * folder, so the folder's `children` listing kept showing the old state until its TTL. The
 * gateway now remembers, from listings it served, which folder each file was listed in.
 */
describe('an API 1.0 write invalidates the listing of the folder the file was listed in', () => {
  let rig: WriteRig
  beforeAll(async () => {
    rig = await startWriteRig()
    rig.origin.on('/files/folder-a/children', (req, res, n) => {
      if (req.method !== 'GET') return defaultHandler(req, res, n)
      res.setHeader('content-type', 'application/json')
      const items = [{ resourceKey: 'file-a1' }, { resourceKey: 'file-a2' }]
      res.end(JSON.stringify({ offset: 0, hasMore: false, items, n }))
    })
  })
  afterAll(() => rig.close())

  it.each([
    ['DELETE', '/files/file-a1'],
    ['POST', '/files/file-a2/rename'],
  ])('%s %s', async (method, path) => {
    const listing = '/files/folder-a/children?offset=0&limit=20'
    await rig.warm(listing)
    await rig.warm('/files/folder-b/children')
    expect((await rig.send(path, ALICE, method)).status).toBe(200)
    expect(await rig.statuses(listing)).toEqual(['MISS', 'MISS'])
    expect(await rig.statuses('/files/folder-b/children')).toEqual(['HIT', 'HIT'])
  })
})
