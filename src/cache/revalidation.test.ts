import { describe, expect, it } from 'vitest'
import { ENTRY_FORMAT_VERSION, type CacheEntry } from './entry.ts'
import { canRevalidate, notModifiedResponse, revalidationHeaders } from './revalidation.ts'

const entry = (headers: string[]): CacheEntry => ({
  meta: {
    v: ENTRY_FORMAT_VERSION,
    status: 200,
    statusText: 'OK',
    headers,
    receivedAt: 0,
    initialAge: 0,
    lifetime: 1,
    generations: [],
    vary: '',
    staleWhileRevalidate: 0,
    staleIfError: 0,
  },
  body: Buffer.from('{"doc":1}'),
})
const client = { clientAddress: '127.0.0.1', protocol: 'http', requestId: 'r1' }
const clientHeaders = [
  'Authorization',
  'Bearer t',
  'If-None-Match',
  '"client-copy"',
  'If-Modified-Since',
  'Sun, 06 Nov 1994 08:49:37 GMT',
  'Range',
  'bytes=0-1',
  'Cache-Control',
  'no-cache',
]
const names = (headers: string[]) =>
  headers.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase())

describe('revalidationHeaders (RFC 9111 §4.3.1)', () => {
  it("replaces the client's conditions with the entry's validators", () => {
    const headers = revalidationHeaders(clientHeaders, entry(['ETag', '"v1"']), client, false)
    expect(headers).toContain('Bearer t')
    expect(headers).not.toContain('"client-copy"')
    expect(names(headers)).not.toContain('range')
    expect(names(headers)).not.toContain('if-modified-since')
    expect(headers.slice(-2)).toEqual(['If-None-Match', '"v1"'])
    expect(names(headers)).toContain('cache-control')
  })

  it("a background refresh also drops the client's Cache-Control", () => {
    const headers = revalidationHeaders(clientHeaders, entry(['ETag', '"v1"']), client, true)
    expect(names(headers)).not.toContain('cache-control')
  })

  it('without an entry, asks for the full response', () => {
    const headers = revalidationHeaders(clientHeaders, undefined, client, true)
    expect(names(headers).filter((n) => n.startsWith('if-'))).toEqual([])
  })
})

describe('canRevalidate', () => {
  it('needs an ETag or a Last-Modified', () => {
    expect(canRevalidate(entry(['ETag', '"v1"']))).toBe(true)
    expect(canRevalidate(entry(['Last-Modified', 'Sun, 06 Nov 1994 08:49:37 GMT']))).toBe(true)
    expect(canRevalidate(entry(['Content-Type', 'application/json']))).toBe(false)
  })
})

describe('notModifiedResponse (RFC 9111 §4.3.4)', () => {
  it("is the stored status and body with merged headers, carrying the 304's Age", () => {
    const stored = entry(['ETag', '"v1"', 'Cache-Control', 'max-age=1', 'Content-Length', '9'])
    const response = notModifiedResponse(stored, [
      'Cache-Control',
      'max-age=60',
      'Age',
      '4',
      'Content-Length',
      '0',
    ])
    expect(response).toEqual({
      status: 200,
      statusText: 'OK',
      rawHeaders: [
        'ETag',
        '"v1"',
        'Cache-Control',
        'max-age=60',
        'Content-Length',
        '9',
        'Age',
        '4',
      ],
      body: stored.body,
    })
  })
})
