import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ERROR_BODY_CAP, extractErrorCode } from './error-code.ts'

const json = (value: unknown) => Buffer.from(JSON.stringify(value))

describe('extractErrorCode', () => {
  it('reads the three Drive error shapes', () => {
    expect(
      extractErrorCode(json({ domain: 'd', code: 'quotaExceeded', message: 'm' }), undefined, true)
    ).toBe('quotaExceeded')
    expect(
      extractErrorCode(json({ code: 'ERR.FILE_NOT_FOUND', description: 'x' }), undefined, true)
    ).toBe('ERR.FILE_NOT_FOUND')
    expect(
      extractErrorCode(json({ errorCode: 'AUTH-1', errorMessage: 'x' }), 'identity', true)
    ).toBe('AUTH-1')
  })

  it('prefers code over errorCode and keeps numbers as text', () => {
    expect(extractErrorCode(json({ code: 'A', errorCode: 'B' }), undefined, true)).toBe('A')
    expect(extractErrorCode(json({ code: 404 }), undefined, true)).toBe('404')
    expect(extractErrorCode(json({ errorCode: 1.5 }), undefined, true)).toBe('1.5')
  })

  it('decodes gzip, x-gzip, deflate and br bodies', () => {
    const body = json({ code: 'zipped' })
    expect(extractErrorCode(gzipSync(body), 'gzip', true)).toBe('zipped')
    expect(extractErrorCode(gzipSync(body), ' X-Gzip ', true)).toBe('zipped')
    expect(extractErrorCode(deflateSync(body), 'deflate', true)).toBe('zipped')
    expect(extractErrorCode(brotliCompressSync(body), 'br', true)).toBe('zipped')
  })

  it('is UNKNOWN for a cut body, an unknown coding, corrupt data or a bomb past the cap', () => {
    const body = json({ code: 'x' })
    expect(extractErrorCode(body, undefined, false)).toBe('UNKNOWN')
    expect(extractErrorCode(body, 'zstd', true)).toBe('UNKNOWN')
    expect(extractErrorCode(body, 'gzip', true)).toBe('UNKNOWN')
    expect(extractErrorCode(gzipSync(body).subarray(0, 10), 'gzip', true)).toBe('UNKNOWN')
    const padded = json({ code: 'big', pad: ' '.repeat(ERROR_BODY_CAP) })
    expect(extractErrorCode(gzipSync(padded), 'gzip', true)).toBe('UNKNOWN')
  })

  it('is UNKNOWN for values that are not a short token', () => {
    for (const value of [
      '',
      'has space',
      'x'.repeat(65),
      'é',
      true,
      null,
      { nested: 'x' },
      ['a'],
      Number.NaN,
    ])
      expect(extractErrorCode(json({ code: value }), undefined, true)).toBe('UNKNOWN')
    expect(extractErrorCode(json({ code: 'x'.repeat(64) }), undefined, true)).toBe('x'.repeat(64))
  })

  it('is UNKNOWN for bodies that are not a JSON object', () => {
    for (const text of ['', 'not json', '[{"code":"a"}]', '"code"', 'null', '42'])
      expect(extractErrorCode(Buffer.from(text), undefined, true)).toBe('UNKNOWN')
    expect(extractErrorCode(json({ message: 'no code' }), undefined, true)).toBe('UNKNOWN')
  })
})
