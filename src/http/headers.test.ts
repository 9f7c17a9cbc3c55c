import { describe, expect, it } from 'vitest'
import {
  findHeader,
  headerValue,
  headerValues,
  lowerName,
  listMembers,
  onlyHeaders,
  stripHopByHop,
  upstreamRequestHeaders,
  withoutHeaders,
} from './headers.ts'

describe('stripHopByHop', () => {
  it('drops hop-by-hop fields and those Connection names, keeping order and repeats', () => {
    const raw = [
      'Connection',
      'keep-alive, X-Private',
      'Keep-Alive',
      'timeout=5',
      'Transfer-Encoding',
      'chunked',
      'X-Private',
      'secret',
      'Set-Cookie',
      'a=1',
      'ETag',
      '"v1"',
      'Set-Cookie',
      'b=2',
    ]
    expect(stripHopByHop(raw)).toEqual(['Set-Cookie', 'a=1', 'ETag', '"v1"', 'Set-Cookie', 'b=2'])
  })

  it('also drops the extra names given, and does not change its input', () => {
    const raw = ['Upgrade', 'h2c', 'Age', '3', 'Date', 'x']
    const copy = [...raw]
    expect(stripHopByHop(raw, new Set(['age']))).toEqual(['Date', 'x'])
    expect(raw).toEqual(copy)
  })
})

describe('lower-casing remembered across messages', () => {
  it('gives the same answers past the table bound, for long names and many distinct ones', () => {
    const long = `X-${'Long'.repeat(40)}`
    const names = Array.from({ length: 600 }, (_, i) => `X-Field-${i}`)
    for (let round = 0; round < 2; round++) {
      expect(lowerName(long)).toBe(long.toLowerCase())
      for (const name of names) expect(lowerName(name)).toBe(name.toLowerCase())
      // A Connection value seen before, and one naming many fields, each as if new.
      const raw = ['Connection', `close, ${names.join(', ')}`, 'X-Field-599', 'v', 'Keep', 'k']
      expect(stripHopByHop(raw)).toEqual(['Keep', 'k'])
      expect(stripHopByHop(['Connection', 'Keep-Alive, X-A', 'x-a', '1', 'X-B', '2'])).toEqual([
        'X-B',
        '2',
      ])
    }
  })
})

describe('upstreamRequestHeaders', () => {
  const ctx = { clientAddress: '10.0.0.9', protocol: 'http', requestId: 'rid-1' }

  it('keeps end-to-end fields and rebuilds the forwarding fields', () => {
    const raw = [
      'Host',
      'gw.example',
      'Accept',
      'application/json',
      'X-Forwarded-For',
      '1.1.1.1',
      'X-Forwarded-For',
      '2.2.2.2',
      'X-Request-Id',
      'client-chosen',
    ]
    expect(upstreamRequestHeaders(raw, ctx)).toEqual([
      'Accept',
      'application/json',
      'x-forwarded-for',
      '1.1.1.1, 2.2.2.2, 10.0.0.9',
      'x-forwarded-proto',
      'http',
      'x-forwarded-host',
      'gw.example',
      'x-request-id',
      'rid-1',
      'via',
      '1.1 drive-gateway',
    ])
  })

  it('adds its own Via after any the client sent (RFC 9110 §7.6.3)', () => {
    const sent = upstreamRequestHeaders(['Via', '1.1 client-proxy', 'Accept', '*/*'], ctx)
    expect(headerValue(sent, 'via')).toBe('1.1 client-proxy, 1.1 drive-gateway')
  })

  it('passes on client X-Forwarded-Proto/-Host and drops Proxy-*, Expect and Connection-named fields', () => {
    const raw = [
      'Connection',
      'X-Request-Id, X-Drop',
      'X-Drop',
      '1',
      'Proxy-Authorization',
      'Basic x',
      'Proxy-Foo',
      'y',
      'Expect',
      '100-continue',
      'X-Forwarded-Proto',
      'https',
      'X-Forwarded-Host',
      'front.example',
      'Host',
      'gw.example',
    ]
    expect(upstreamRequestHeaders(raw, { ...ctx, clientAddress: undefined })).toEqual([
      'x-forwarded-proto',
      'https',
      'x-forwarded-host',
      'front.example',
      'x-request-id',
      'rid-1',
      'via',
      '1.1 drive-gateway',
    ])
  })
})

describe('header list helpers', () => {
  const raw = ['Vary', 'Accept', 'ETag', '"e"', 'vary', 'Range', 'Age', '1']

  it('findHeader returns the first value, case-insensitively, or undefined', () => {
    expect(findHeader(raw, 'vary')).toBe('Accept')
    expect(findHeader(raw, 'date')).toBeUndefined()
  })

  it('headerValues and headerValue collect every value in order', () => {
    expect(headerValues(raw, 'vary')).toEqual(['Accept', 'Range'])
    expect(headerValue(raw, 'vary')).toBe('Accept, Range')
    expect(headerValue(raw, 'date')).toBeUndefined()
  })

  it('withoutHeaders and onlyHeaders split the list by name, keeping order', () => {
    const names = new Set(['vary', 'age'])
    expect(withoutHeaders(raw, names)).toEqual(['ETag', '"e"'])
    expect(onlyHeaders(raw, names)).toEqual(['Vary', 'Accept', 'vary', 'Range', 'Age', '1'])
  })

  it('listMembers trims members and drops empty ones', () => {
    expect(listMembers(' a, ,b ,,c')).toEqual(['a', 'b', 'c'])
    expect(listMembers(undefined)).toEqual([])
    expect(listMembers('')).toEqual([])
  })
})
