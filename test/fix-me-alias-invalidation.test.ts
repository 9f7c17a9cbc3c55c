import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALICE, BOB, startWriteRig, type WriteRig } from './helpers/cache/write-rig.ts'

/**
 * Defect: `/users/me/…` and `/users/{the caller's id}/…` name the same drive, but a write
 * through one left the other's entries cached. User-scoped lookups now also depend on a
 * per-caller generation that the caller's writes under `/users/` bump.
 */
describe('the API 2.0 `me` alias and the caller real id invalidate each other', () => {
  let rig: WriteRig
  beforeAll(async () => {
    rig = await startWriteRig()
  })
  afterAll(() => rig.close())

  it('a write through `me` invalidates the caller entries under the real id, and only theirs', async () => {
    await rig.warm('/users/alice-id/drive')
    await rig.warm('/users/alice-id/drive/files/doc-1')
    expect((await rig.send('/users/me/drive/files/doc-2', ALICE, 'DELETE')).status).toBe(200)
    // Alice's own entries go; Bob's entries of the same paths are not his drive's `me`.
    expect(await rig.statuses('/users/alice-id/drive')).toEqual(['MISS', 'HIT'])
    expect(await rig.statuses('/users/alice-id/drive/files/doc-1')).toEqual(['MISS', 'HIT'])
  })

  it('a write through the real id invalidates the caller `me` entries, and only theirs', async () => {
    await rig.warm('/users/me/drive')
    await rig.warm('/users/me/drive/files')
    expect((await rig.send('/users/bob-id/drive/files/doc-3', BOB, 'PATCH')).status).toBe(200)
    expect(await rig.statuses('/users/me/drive')).toEqual(['HIT', 'MISS'])
    expect(await rig.statuses('/users/me/drive/files')).toEqual(['HIT', 'MISS'])
  })
})
