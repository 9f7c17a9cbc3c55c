import { describe, expect, it } from 'vitest'
import type { RouteMatch } from '../routes/types.ts'
import { CacheKeys, sortedQuery, varyDigest } from './key.ts'

const file: RouteMatch = {
  route: {
    methods: ['GET'],
    template: '/users/{userId}/drive/files/{fileId}',
    kind: 'lookup',
    resource: 'fileId',
    parent: 'userId',
  },
  params: { userId: 'u1', fileId: 'f1' },
}
const path = '/users/u1/drive/files/f1'
const keys = new CacheKeys({ prefix: 'p:', secret: undefined })
const AUTH = ['Authorization', 'Bearer secret-token', 'consumerKey', 'secret-ck']

describe('CacheKeys', () => {
  it('tags entry and generation keys with the resource so they share a cluster slot', () => {
    const k = keys.lookup(file, path, path, AUTH)
    expect(k.entry.startsWith('p:{r:f1}:e2:')).toBe(true)
    expect(k.generations).toEqual(['p:{*}:g', 'p:{r:f1}:g', 'p:{r:u1}:g'])
  })

  it('never contains a credential', () => {
    const k = keys.lookup(file, path, path, AUTH)
    expect(JSON.stringify(k)).not.toMatch(/secret/)
  })

  it('differs by caller, consumer key, query order-insensitively, and negotiation headers', () => {
    const base = keys.lookup(file, path, `${path}?a=1&b=2`, AUTH).entry
    expect(keys.lookup(file, path, `${path}?b=2&a=1`, AUTH).entry).toBe(base)
    const variants = [
      ['Authorization', 'Bearer other', 'consumerKey', 'secret-ck'],
      ['Authorization', 'Bearer secret-token', 'consumerKey', 'other'],
      [...AUTH, 'Accept', 'text/plain'],
      [...AUTH, 'Accept-Language', 'ja'],
      [...AUTH, 'Accept-Encoding', 'gzip'],
    ]
    for (const headers of variants) {
      expect(keys.lookup(file, path, `${path}?a=1&b=2`, headers).entry).not.toBe(base)
    }
    expect(keys.lookup(file, path, `${path}?a=1`, AUTH).entry).not.toBe(base)
  })

  it('uses HMAC when a secret is set', () => {
    const hmac = new CacheKeys({ prefix: 'p:', secret: 's' })
    expect(hmac.credential(AUTH)).not.toBe(keys.credential(AUTH))
    expect(hmac.credential(AUTH)).toBe(new CacheKeys({ prefix: 'x', secret: 's' }).credential(AUTH))
  })

  it('digests ids that could break a hash tag', () => {
    const odd = { ...file, params: { userId: 'u1', fileId: 'a}b{c' } }
    expect(keys.lookup(odd, path, path, AUTH).entry).toMatch(/^p:\{r#[A-Za-z0-9_-]+\}:e2:/)
  })

  it('names a route without a resource by its path', () => {
    const list: RouteMatch = {
      route: { methods: ['GET'], template: '/sharedrives', kind: 'lookup' },
      params: {},
    }
    expect(keys.resourceIds(list, '/sharedrives')).toEqual(['p:/sharedrives'])
  })
})

describe('sortedQuery and varyDigest', () => {
  it('sorts parameters and drops empty ones', () => {
    expect(sortedQuery('/x?b=2&&a=1')).toBe('a=1&b=2')
    expect(sortedQuery('/x')).toBe('')
  })

  it('digests only Vary fields outside the key', () => {
    expect(varyDigest(['accept', 'authorization'], ['Accept', 'x'])).toBe('')
    expect(varyDigest(['x-tenant'], ['X-Tenant', 'a'])).not.toBe(
      varyDigest(['x-tenant'], ['X-Tenant', 'b'])
    )
  })
})
