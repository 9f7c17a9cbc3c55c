import { describe, expect, it } from 'vitest'
import { formFields, jsonFields, multipartFields } from './body-fields.ts'

const FIELDS = ['toParentKey', 'toParentFileId']

describe('body fields', () => {
  it('reads leading multipart fields, never a file part, never a part cut off', () => {
    const body = Buffer.from(
      '--b\r\nContent-Disposition: form-data; name="toParentKey"\r\n\r\nfolder-1\r\n' +
        '--b\r\nContent-Disposition: form-data; name="FileData"; filename="toParentKey"\r\n\r\n' +
        'toParentKey\r\n--b\r\nContent-Disposition: form-data; name=toParentFileId\r\n\r\nf-2\r\n' +
        '--b\r\nContent-Disposition: form-data; name="toParentKey"\r\n\r\ncut-o'
    )
    expect(multipartFields(body, 'multipart/form-data; boundary=b', FIELDS)).toEqual([
      'folder-1',
      'f-2',
    ])
    expect(multipartFields(body, 'multipart/form-data; boundary="b"', FIELDS)).toHaveLength(2)
    expect(multipartFields(body, 'multipart/form-data', FIELDS)).toEqual([])
  })

  it('reads JSON and urlencoded fields', () => {
    expect(jsonFields(Buffer.from('{"toParentKey":"a","x":1,"toParentFileId":2}'), FIELDS)).toEqual(
      ['a']
    )
    expect(jsonFields(Buffer.from('[1]'), FIELDS)).toEqual([])
    expect(jsonFields(Buffer.from('{'), FIELDS)).toEqual([])
    expect(formFields(Buffer.from('toParentKey=a%2Fb&y=2'), FIELDS)).toEqual(['a/b'])
  })
})
