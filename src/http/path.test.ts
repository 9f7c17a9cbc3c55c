import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hasDotSegment, isSafeTarget, percentDecode, splitTarget } from './path.ts'

describe('isSafeTarget', () => {
  it('accepts ordinary origin-form targets', () => {
    for (const target of [
      '/',
      '/files/abc',
      '/files/abc.txt',
      '/files/a..b/c',
      '/files/...',
      '/files/.hidden',
      '/files/%E3%81%82',
      '/files/%ff%fe',
      '/files/abc;v=1',
      '/files/100%25',
      '/files/abc?path=../x',
      '/files/abc?q=100%',
      '/a\\b',
    ]) {
      expect(isSafeTarget(target), target).toBe(true)
    }
  })

  it('refuses absolute-form, authority-form and asterisk-form targets', () => {
    for (const target of ['http://evil.example/x', '//evil.example/x', 'evil.example:443', '*']) {
      expect(isSafeTarget(target), target).toBe(false)
    }
  })

  it('refuses dot segments in every spelling the issue and RFC 3986 allow', () => {
    for (const target of [
      '/files/../admin',
      '/files/./x',
      '/files/..',
      '/files/.',
      '/files/%2e%2e/admin',
      '/files/%2E%2E%2Fadmin',
      '/files/.%2e/x',
      '/files/%252e%252e/x',
      '/files/%25%32%65%25%32%65/x',
      '/files/..;/x',
      '/files/..;jsessionid=1/x',
      '/files/%2e%2e%3b/x',
      '/files/%2e%2e%253bjsessionid/x',
      '/files/..%2f..%2f%ff%fe',
      '/files/..%5cx',
      '/files/..\\x',
      '/files/%2e%09%2e/x',
      '/files/x#/../../secret',
    ]) {
      expect(isSafeTarget(target), target).toBe(false)
    }
  })

  it('refuses a malformed percent-escape anywhere in the path', () => {
    for (const target of [
      '/files/%2e%2e/%2e%2e/%zz',
      '/%zz/%2e%2e/%2e%2e/secret',
      '/files/abc%',
      '/files/abc%4',
      '/files/%e0%a4%a',
      '/files/%u002e%u002e/x',
      '/files/%%32e',
    ]) {
      expect(isSafeTarget(target), target).toBe(false)
    }
  })
})

describe('helpers', () => {
  it('percentDecode is bytewise, strict or lenient', () => {
    expect(percentDecode('%41%e9%2F', true)).toBe('A\u00e9/')
    expect(percentDecode('a%zz', true)).toBeUndefined()
    expect(percentDecode('a%zz%41', false)).toBe('a%zzA')
  })

  it('hasDotSegment looks at each segment after its ;suffix', () => {
    expect(hasDotSegment('/a/..;x/b')).toBe(true)
    expect(hasDotSegment('/a/.x/b')).toBe(false)
    expect(hasDotSegment('/a/;/b')).toBe(false)
  })

  it('splitTarget keeps the query undecoded', () => {
    expect(splitTarget('/a/b?x=%20')).toEqual({ path: '/a/b', query: '?x=%20' })
  })
})

// An independent oracle: a WHATWG URL parser (Node's URL) resolves dot segments, including
// `%2e` spellings and `\` separators. A target is safe when, for the raw path
// and its first and second bytewise decodings (`;…` suffixes removed), resolving it removes no
// segment, and its path has no malformed escape.
function oracleSafe(target: string): boolean {
  if (!target.startsWith('/') || target.startsWith('//')) return false
  const path = target.split('?')[0]!
  if (/%(?![0-9a-fA-F]{2})/.test(path)) return false
  const decode = (s: string) =>
    s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
  const once = decode(path)
  for (const text of [path, once, decode(once)]) {
    // Spaces and controls go too, anywhere in a segment (the gateway is stricter than URL here).
    const segments = text
      .split(/[/\\]/)
      .map((s) => [...s.split(';')[0]!].filter((c) => c.charCodeAt(0) > 0x20).join(''))
    // Escape what URL would treat as syntax so that only its dot-segment rules apply.
    const escaped = segments.map((s) => s.replace(/%/g, '%25').replace(/[?#]/g, encodeURIComponent))
    // Resolving removes dot segments and shortens the path; the same path with its dots made
    // ordinary characters keeps its length.
    const joined = escaped.join('/')
    const resolved = new URL(`http://h/base${joined}`).pathname
    const literal = new URL(`http://h/base${joined.replaceAll('.', 'x')}`).pathname
    if (resolved.length !== literal.length) return false
  }
  return true
}

const pieces = [
  'a',
  'Z9',
  '.',
  '..',
  '%2e',
  '%2E',
  '%252e',
  '%25%32%65',
  ';',
  '%3b',
  '%253B',
  'jsessionid=1',
  '/',
  '%2f',
  '%2F',
  '%252f',
  '\\',
  '%5c',
  '%09',
  '%0a',
  '%20',
  '%00',
  '%',
  '%z',
  '%4',
  '%e0%a4%a',
  '%ff%fe',
  '%25',
  '%41',
  '-',
  '~',
  '#',
  '?',
]
const target = fc
  .array(fc.array(fc.constantFrom(...pieces), { maxLength: 4 }), { minLength: 1, maxLength: 6 })
  .map((segments) => '/' + segments.map((s) => s.join('')).join('/'))

describe('property: agrees with a WHATWG URL oracle (seeded)', () => {
  it('on random targets built from dot, escape and separator pieces', () => {
    const seed = Number(process.env.PATH_PROPERTY_SEED ?? 20261128)
    fc.assert(
      fc.property(target, (t) => isSafeTarget(t) === oracleSafe(t)),
      { seed, numRuns: Number(process.env.PATH_PROPERTY_RUNS ?? 5000) }
    )
  })
})
