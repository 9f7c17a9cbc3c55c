import { describe, expect, it } from 'vitest'
import type { RouteMatch } from '../routes/types.ts'
import { CacheKeys, CREDENTIAL_MEMO_SIZE, sortedQuery, varyDigest } from './key.ts'
import { ENTRY_FORMAT_VERSION } from './entry.ts'

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
const AUTH_OF = (token: string) => ['Authorization', `Bearer ${token}`, 'consumerKey', 'ck']

describe('CacheKeys', () => {
  it('tags entry and generation keys with the resource so they share a cluster slot', () => {
    const k = keys.lookup(file, path, path, AUTH)
    expect(k.entry.startsWith(`p:{r:f1}:e${ENTRY_FORMAT_VERSION}:`)).toBe(true)
    expect(k.generations).toEqual([
      'p:{*}:g',
      'p:{r:f1}:g',
      'p:{r:u1}:g',
      `p:{${keys.callerId(AUTH)}}:g`,
    ])
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

  it('keeps repeated query parameters apart by their order', () => {
    const first = keys.lookup(file, path, `${path}?offset=0&offset=20`, AUTH).entry
    const second = keys.lookup(file, path, `${path}?offset=20&offset=0`, AUTH).entry
    expect(first).not.toBe(second)
    expect(keys.lookup(file, path, `${path}?limit=5&offset=0&offset=20`, AUTH).entry).toBe(
      keys.lookup(file, path, `${path}?offset=0&limit=5&offset=20`, AUTH).entry
    )
  })

  it('memoises credential digests in memory, bounded, keyed by the whole credential', () => {
    const memo = new CacheKeys({ prefix: 'p:', secret: 's' })
    const digestOf = (token: string, ck = 'ck') =>
      memo.credential(['Authorization', `Bearer ${token}`, 'consumerKey', ck])
    const first = digestOf('t-0')
    expect(digestOf('t-0')).toBe(first)
    expect(digestOf('t-0', 'other')).not.toBe(first)
    for (let i = 0; i < CREDENTIAL_MEMO_SIZE * 3; i++) digestOf(`t-${i}`)
    expect(memo.memoised).toBe(CREDENTIAL_MEMO_SIZE)
    // Forgotten and computed again: the same digest.
    expect(digestOf('t-0')).toBe(first)
    expect(first).toBe(new CacheKeys({ prefix: 'q:', secret: 's' }).credential(AUTH_OF('t-0')))
  })

  it('adds a per-caller generation to user-scoped lookups only', () => {
    const me = keys.lookup({ ...file, params: { userId: 'me', fileId: 'f1' } }, path, path, AUTH)
    const caller = keys.callerId(AUTH)
    expect(me.resources).toContain(caller)
    expect(me.generations).toContain(keys.generation(caller))
    const other = keys.lookup(file, path, path, ['Authorization', 'Bearer someone'])
    expect(other.resources).not.toContain(caller)
    const list: RouteMatch = {
      route: { methods: ['GET'], template: '/sharedrives', kind: 'lookup' },
      params: {},
    }
    expect(keys.lookup(list, '/sharedrives', '/sharedrives', AUTH).resources).toEqual([
      'p:/sharedrives',
    ])
  })

  it('keys by the credential the upstream is sent: fields named in Connection are not', () => {
    const anonymous = keys.credential([])
    const dropped = ['Connection', 'Authorization, consumerKey', ...AUTH]
    expect(keys.credential(dropped)).toBe(anonymous)
    expect(keys.credential(['Connection', 'keep-alive', ...AUTH])).toBe(keys.credential(AUTH))
    expect(keys.credential(['Connection', 'consumerKey', ...AUTH])).toBe(
      keys.credential(AUTH.slice(0, 2))
    )
    expect(keys.credential(AUTH)).not.toBe(anonymous)
  })

  it('uses HMAC when a secret is set', () => {
    const hmac = new CacheKeys({ prefix: 'p:', secret: 's' })
    expect(hmac.credential(AUTH)).not.toBe(keys.credential(AUTH))
    expect(hmac.credential(AUTH)).toBe(new CacheKeys({ prefix: 'x', secret: 's' }).credential(AUTH))
  })

  it('digests ids that could break a hash tag', () => {
    const odd = { ...file, params: { userId: 'u1', fileId: 'a}b{c' } }
    expect(keys.lookup(odd, path, path, AUTH).entry).toMatch(
      new RegExp(`^p:\\{r#[A-Za-z0-9_-]+\\}:e${ENTRY_FORMAT_VERSION}:`)
    )
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

  it('sorts by name only, stably: repeats keep their relative order', () => {
    expect(sortedQuery('/x?offset=0&offset=20')).toBe('offset=0&offset=20')
    expect(sortedQuery('/x?offset=20&offset=0')).toBe('offset=20&offset=0')
    expect(sortedQuery('/x?z=1&a=2&z=0&a=1&m')).toBe('a=2&a=1&m&z=1&z=0')
    // A value never takes part in the order, even one that would sort first.
    expect(sortedQuery('/x?b=2&a=9&a=0')).toBe('a=9&a=0&b=2')
  })

  it('digests only Vary fields outside the key', () => {
    expect(varyDigest(['accept', 'authorization'], ['Accept', 'x'])).toBe('')
    expect(varyDigest(['x-tenant'], ['X-Tenant', 'a'])).not.toBe(
      varyDigest(['x-tenant'], ['X-Tenant', 'b'])
    )
  })
})
