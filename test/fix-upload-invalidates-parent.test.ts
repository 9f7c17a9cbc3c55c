import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultHandler } from './helpers/cache/origin.ts'
import { ALICE, startWriteRig, type WriteRig } from './helpers/cache/write-rig.ts'

/**
 * Defect: an API 1.0 upload (`POST /files`, a `transfer` route) invalidated nothing, so the
 * folder it uploaded into kept listing its old children. It names the folder in `toParentKey`,
 * in the query or as a multipart field before the file part, as the Drive API documents it.
 */
describe('an API 1.0 upload invalidates the children listing of the folder it names', () => {
  let rig: WriteRig
  beforeAll(async () => {
    rig = await startWriteRig()
    rig.origin.on('/files', (req, res, n) => {
      if (req.path !== '/files' || req.method !== 'POST') return defaultHandler(req, res, n)
      res.statusCode = 201
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ versionNo: 1, resourceKey: `new-${n}`, shareNo: 0, resourceNo: n }))
    })
  })
  afterAll(() => rig.close())

  function multipart(fields: Record<string, string>, fileBytes: number) {
    const boundary = '----drive-gateway-test-7f3a'
    const parts = Object.entries(fields).map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
    )
    const file =
      `--${boundary}\r\nContent-Disposition: form-data; name="FileData"; filename="a.bin"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n${'x'.repeat(fileBytes)}\r\n--${boundary}--\r\n`
    return { body: parts.join('') + file, type: `multipart/form-data; boundary=${boundary}` }
  }

  it('named as a multipart field, with a file of a few MiB after it', async () => {
    const listing = '/files/upload-dest-1/children?offset=0&limit=20'
    const other = '/files/upload-other-1/children'
    await rig.warm(listing)
    await rig.warm(other)
    const { body, type } = multipart(
      { toParentKey: 'upload-dest-1', resourceName: 'a.bin' },
      3 << 20
    )
    const res = await rig.send('/files', ALICE, 'POST', body, { 'content-type': type })
    expect(res.status).toBe(201)
    expect(rig.origin.requests.at(-1)?.body.length).toBe(Buffer.byteLength(body))
    expect(await rig.statuses(listing)).toEqual(['MISS', 'MISS'])
    expect(await rig.statuses(other)).toEqual(['HIT', 'HIT'])
  })

  it('named in the query', async () => {
    const listing = '/files/upload-dest-2/children'
    await rig.warm(listing)
    const { body, type } = multipart({ resourceName: 'b.bin' }, 1024)
    const res = await rig.send('/files?toParentKey=upload-dest-2', ALICE, 'POST', body, {
      'content-type': type,
    })
    expect(res.status).toBe(201)
    expect(await rig.statuses(listing)).toEqual(['MISS', 'MISS'])
  })
})
