import { describe, expect, it } from 'vitest'
import { responseDefect } from './response-defect.ts'

describe('responseDefect', () => {
  it('accepts an ordinary response, obs-text in the reason and a single chunked coding', () => {
    expect(responseDefect(200, 'OK', ['Content-Type', 'text/plain'])).toBeUndefined()
    expect(responseDefect(599, 'Caf\xe9\tok', [])).toBeUndefined()
    expect(responseDefect(200, 'OK', ['Transfer-Encoding', ' Chunked , '])).toBeUndefined()
  })

  it('rejects a final status outside 200-599', () => {
    expect(responseDefect(199, 'x', [])).toBe('upstream status 199')
    expect(responseDefect(600, 'x', [])).toBe('upstream status 600')
  })

  it('rejects control bytes, DEL and characters above 0xFF in the reason phrase', () => {
    for (const reason of ['a\rb', 'a\nb', 'a\x00', 'a\x7f', 'a\u0100'])
      expect(responseDefect(200, reason, [])).toBe('forbidden bytes in the reason phrase')
  })

  it('rejects any transfer coding other than a single chunked, across repeated fields', () => {
    expect(responseDefect(200, 'OK', ['Transfer-Encoding', 'gzip'])).toBe(
      'unsupported transfer coding "gzip"'
    )
    expect(responseDefect(200, 'OK', ['Transfer-Encoding', 'chunked, chunked'])).toBe(
      'unsupported transfer coding "chunked, chunked"'
    )
    expect(
      responseDefect(200, 'OK', ['Transfer-Encoding', 'gzip', 'transfer-encoding', 'chunked'])
    ).toBe('unsupported transfer coding "gzip, chunked"')
    expect(responseDefect(200, 'OK', ['Transfer-Encoding', ''])).toBe(
      'unsupported transfer coding ""'
    )
  })
})
