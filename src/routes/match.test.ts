import { describe, expect, it } from 'vitest'
import { BUILTIN_ROUTES } from './builtin.ts'
import { createRouteMatcher } from './match.ts'

const match = createRouteMatcher(BUILTIN_ROUTES)

describe('the built-in route table', () => {
  const cases: [string, string, string | undefined, string][] = [
    ['GET', '/files/abc', '/files/{resourceKey}', 'lookup'],
    ['HEAD', '/files/abc', '/files/{resourceKey}', 'lookup'],
    ['DELETE', '/files/abc', '/files/{resourceKey}', 'mutation'],
    ['GET', '/files/abc/children', '/files/{resourceKey}/children', 'lookup'],
    ['GET', '/files/abc/download', '/files/{resourceKey}/download', 'transfer'],
    ['POST', '/files', '/files', 'transfer'],
    ['POST', '/files/abc/copy', '/files/{resourceKey}/*', 'mutation'],
    ['POST', '/files/abc/a/b', '/files/{resourceKey}/*', 'mutation'],
    ['GET', '/recycle-files', '/recycle-files', 'lookup'],
    ['POST', '/recycle-files/abc/restore', '/recycle-files/{resourceKey}/restore', 'mutation'],
    ['GET', '/users/me/drive', '/users/{userId}/drive', 'lookup'],
    ['GET', '/users/me/drive/files/f1', '/users/{userId}/drive/files/{fileId}', 'lookup'],
    [
      'POST',
      '/users/me/drive/files/f1/rename',
      '/users/{userId}/drive/files/{fileId}/*',
      'mutation',
    ],
    ['GET', '/users/me/drive/sharedfolders', '/users/{userId}/drive/sharedfolders', 'lookup'],
    [
      'GET',
      '/users/me/drive/sharedfolders/s1/files/f1',
      '/users/{userId}/drive/sharedfolders/{sharedFolderId}/files/{fileId}',
      'lookup',
    ],
    [
      'GET',
      '/sharedrives/@21/files/f1/children',
      '/sharedrives/{sharedriveId}/files/{fileId}/children',
      'lookup',
    ],
    ['GET', '/groups/g1/folder/files', '/groups/{groupId}/folder/files', 'lookup'],
  ]
  for (const [method, path, template, kind] of cases) {
    it(`${method} ${path} → ${template} (${kind})`, () => {
      const m = match(method, path)
      expect(m?.route.template).toBe(template)
      expect(m?.route.kind).toBe(kind)
    })
  }

  it('decodes parameters and names the resource and its parent', () => {
    const m = match('DELETE', '/sharedrives/%4021/files/f%201')!
    expect(m.params).toEqual({ sharedriveId: '@21', fileId: 'f 1' })
    expect(m.route.resource).toBe('fileId')
    expect(m.route.parent).toBe('sharedriveId')
  })

  it('leaves unknown paths and GETs under a catch-all unmatched', () => {
    expect(match('GET', '/nothing/here')).toBeUndefined()
    expect(match('GET', '/files/abc/unknown-verb')).toBeUndefined()
    expect(match('GET', '/files//children')).toBeUndefined()
  })
})
