import { describe, expect, it } from 'vitest'
import { conditionalHeaders, mergeNotModified, notModifiedMatches } from './not-modified.ts'

describe('conditionalHeaders (RFC 9111 §4.3.1)', () => {
  it('sends the stored ETag and Last-Modified as validators', () => {
    const stored = ['ETag', 'W/"v1"', 'Last-Modified', 'Sun, 06 Nov 1994 08:49:37 GMT']
    expect(conditionalHeaders(stored)).toEqual([
      'If-None-Match',
      'W/"v1"',
      'If-Modified-Since',
      'Sun, 06 Nov 1994 08:49:37 GMT',
    ])
  })
  it('has nothing to send without a validator', () => {
    expect(conditionalHeaders(['Content-Type', 'application/json'])).toEqual([])
  })
})

describe('notModifiedMatches (RFC 9111 §4.3.4)', () => {
  const stored = ['ETag', '"v1"', 'Last-Modified', 'Sun, 06 Nov 1994 08:49:37 GMT']
  it.each([
    [['ETag', '"v1"'], true],
    [['ETag', 'W/"v1"'], true],
    [['ETag', '"v2"'], false],
    [['Last-Modified', 'Sun, 06 Nov 1994 08:49:37 GMT'], true],
    [['Last-Modified', 'Mon, 07 Nov 1994 08:49:37 GMT'], false],
    [['Cache-Control', 'max-age=5'], true],
  ])('304 with %j → %s', (response, expected) => {
    expect(notModifiedMatches(stored, response)).toBe(expected)
  })
  it.each([
    // A strong validator in the 304 identifies only a stored response with that strong validator.
    ['W/"v1"', '"v1"', false],
    ['W/"v1"', 'W/"v1"', true],
    ['"v1"', 'W/"v1"', true],
    ['W/"v1"', 'W/"v2"', false],
    [' "v1" ', '"v1"', true],
  ])('stored ETag %s, 304 ETag %s → %s', (storedTag, responseTag, expected) => {
    expect(notModifiedMatches(['ETag', storedTag], ['ETag', responseTag])).toBe(expected)
  })
  it('a 304 with an ETag does not match a stored response without one', () => {
    expect(notModifiedMatches(['Last-Modified', 'x'], ['ETag', '"v1"'])).toBe(false)
  })
})

describe('mergeNotModified (RFC 9111 §3.2)', () => {
  const stored = [
    'Content-Type',
    'application/json',
    'Content-Length',
    '42',
    'Cache-Control',
    'max-age=1',
    'X-Multi',
    'a',
    'ETag',
    '"v1"',
    'X-Multi',
    'b',
    'Date',
    'Sun, 06 Nov 1994 08:49:37 GMT',
  ]

  it('replaces every stored line of a field the 304 sends, in its place, keeping the rest', () => {
    const merged = mergeNotModified(stored, [
      'cache-control',
      'max-age=60',
      'X-Multi',
      'c',
      'Date',
      'Mon, 07 Nov 1994 08:49:37 GMT',
      'X-New',
      'n1',
      'X-New',
      'n2',
    ])
    expect(merged).toEqual([
      'Content-Type',
      'application/json',
      'Content-Length',
      '42',
      'cache-control',
      'max-age=60',
      'X-Multi',
      'c',
      'ETag',
      '"v1"',
      'Date',
      'Mon, 07 Nov 1994 08:49:37 GMT',
      'X-New',
      'n1',
      'X-New',
      'n2',
    ])
  })

  it('never updates the stored framing or per-response fields', () => {
    const merged = mergeNotModified(stored, [
      'Content-Length',
      '0',
      'Transfer-Encoding',
      'chunked',
      'Content-Range',
      'bytes 0-1/2',
      'Age',
      '30',
      'X-Request-Id',
      'other',
      'X-Cache-Status',
      'HIT',
    ])
    expect(merged).toEqual(stored)
  })

  it('keeps header bytes as sent (obs-text as latin1)', () => {
    const merged = mergeNotModified(['X-Name', 'caf\u00e9'], ['X-Other', '\u00ff'])
    expect(merged).toEqual(['X-Name', 'caf\u00e9', 'X-Other', '\u00ff'])
  })
})
