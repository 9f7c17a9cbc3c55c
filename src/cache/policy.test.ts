import { describe, expect, it } from 'vitest'
import type { RouteMatch } from '../routes/types.ts'
import { parseCacheControl } from './cache-control.ts'
import { ifNoneMatchFails, planRequest } from './request-policy.ts'
import { hasValidator, storability } from './response-policy.ts'

const lookup: RouteMatch = {
  route: { methods: ['GET', 'HEAD'], template: '/files/{k}', kind: 'lookup', resource: 'k' },
  params: { k: 'abc' },
}
const transfer: RouteMatch = { ...lookup, route: { ...lookup.route, kind: 'transfer' } }
const mutation: RouteMatch = {
  ...lookup,
  route: { ...lookup.route, methods: ['DELETE'], kind: 'mutation' },
}
const AUTH = ['Authorization', 'Bearer t']
const of2 = (cc: string) => planRequest('GET', lookup, [...AUTH, 'Cache-Control', cc])

describe('parseCacheControl', () => {
  it('reads tokens, arguments and quoted strings with commas', () => {
    const d = parseCacheControl(['max-age=60, Private="set-cookie, x"', 'no-cache'])
    expect(d.get('max-age')).toBe('60')
    expect(d.get('private')).toBe('set-cookie, x')
    expect(d.get('no-cache')).toBe(true)
  })

  it('keeps the first of repeated directives (RFC 9111 §4.2.1)', () => {
    expect(parseCacheControl(['max-age=5, max-age=100']).get('max-age')).toBe('5')
  })
})

describe('planRequest', () => {
  it('caches GET and HEAD on lookup routes with credentials', () => {
    expect(planRequest('GET', lookup, AUTH).kind).toBe('lookup')
    const head = planRequest('HEAD', lookup, AUTH)
    expect(head.kind === 'lookup' && head.request.head).toBe(true)
  })

  it.each([
    ['POST', lookup, AUTH, 'method'],
    ['GET', transfer, AUTH, 'route'],
    ['GET', undefined, AUTH, 'route'],
    ['GET', lookup, [], 'credentials'],
    ['GET', lookup, ['authorization', ' '], 'credentials'],
    ['GET', lookup, [...AUTH, 'Cache-Control', 'no-store'], 'no-store'],
    ['GET', lookup, [...AUTH, 'Range', 'bytes=0-1'], 'range'],
    ['GET', lookup, [...AUTH, 'If-Match', '"x"'], 'precondition'],
  ] as const)('bypasses %s %s (%s)', (method, match, headers, reason) => {
    expect(planRequest(method, match, headers)).toEqual({ kind: 'bypass', reason })
  })

  it('treats any method on a mutation route as a mutation', () => {
    expect(planRequest('DELETE', mutation, []).kind).toBe('mutation')
  })

  it('revalidates on no-cache and max-age=0 (RFC 9111 §5.2.1)', () => {
    for (const cc of ['no-cache', 'max-age=0']) {
      const plan = planRequest('GET', lookup, [...AUTH, 'cache-control', cc])
      expect(plan.kind === 'lookup' && plan.request.revalidate).toBe(true)
    }
  })

  it('reads max-stale with and without a value, and only-if-cached (§5.2.1.2, §5.2.1.7)', () => {
    const plan = (cc: string) => planRequest('GET', lookup, [...AUTH, 'Cache-Control', cc])
    const of = (cc: string) => {
      const p = plan(cc)
      return p.kind === 'lookup' ? p.request : undefined
    }
    expect(of('max-stale')?.maxStale).toBe(Infinity)
    expect(of('max-stale=5')?.maxStale).toBe(5)
    expect(of('max-stale=-5')?.maxStale).toBeUndefined()
    expect(of('only-if-cached')?.onlyIfCached).toBe(true)
    expect(of('max-age=5, min-fresh=2')).toMatchObject({ maxAge: 5, minFresh: 2 })
  })

  it('revalidates on no-cache but still looks the entry up (§5.2.1.4)', () => {
    expect(of2('no-cache')).toMatchObject({ kind: 'lookup', request: { revalidate: true } })
  })

  it('marks conditional requests so they are not shared', () => {
    const plan = planRequest('GET', lookup, [...AUTH, 'If-None-Match', '"a"'])
    expect(plan.kind === 'lookup' && plan.request).toMatchObject({
      ifNoneMatch: '"a"',
      conditional: true,
    })
  })
})

describe('ifNoneMatchFails (RFC 9110 §13.1.2, weak comparison)', () => {
  it.each([
    ['"a"', '"a"', true],
    ['W/"a"', '"a"', true],
    ['"b", W/"a"', 'W/"a"', true],
    ['"b"', '"a"', false],
    ['*', undefined, true],
    ['"a"', undefined, false],
  ])('%s against %s', (header, etag, expected) => {
    expect(ifNoneMatchFails(header, etag)).toBe(expected)
  })
})

describe('storability (RFC 9111 §3)', () => {
  const ok = new Set([200])
  it.each([
    [200, [], true],
    [200, ['Cache-Control', 'private'], true],
    [200, ['Cache-Control', 'no-cache'], true],
    [203, [], false],
    [404, [], false],
    [200, ['Cache-Control', 'no-store'], false],
    [200, ['Set-Cookie', 'a=b'], false],
    [200, ['Vary', 'Accept, *'], false],
  ] as const)('%s %j → %s', (status, headers, expected) => {
    expect(storability(status, headers, ok).storable).toBe(expected)
  })
})

describe('hasValidator (RFC 9110 §8.8)', () => {
  it.each([
    [['ETag', '"a"'], true],
    [['Last-Modified', 'Sun, 06 Nov 1994 08:49:37 GMT'], true],
    [['Cache-Control', 'max-age=5'], false],
  ])('%j → %s', (headers, expected) => {
    expect(hasValidator(headers)).toBe(expected)
  })
})
