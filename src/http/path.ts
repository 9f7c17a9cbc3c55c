/**
 * Request-target safety: whether a target may be joined to an upstream's base path.
 *
 * Only origin-form targets are proxied (RFC 9112 §3.2.1); an absolute-form or `//` target could
 * name another authority. A path is refused when any segment is a dot segment (RFC 3986 §3.3,
 * removed by §5.2.4) as some upstream may read it:
 * - after percent-decoding once or twice (`%2e`, `%252e`; `%2f` and `%5c` then split segments),
 * - with a `;…` suffix removed (Java servlet containers treat `..;jsessionid=1` as `..`),
 * - with spaces and control characters removed (WHATWG URL parsers drop tab, CR and LF, and trim
 *   the others at the ends; Windows servers trim a segment's trailing spaces),
 * - with `\` as a separator (WHATWG URL parsers treat it as `/`).
 * A malformed percent-escape anywhere in the path makes the path impossible to judge the way the
 * upstream will, so it is refused too. Decoding is bytewise: invalid UTF-8 (`%ff`) is no reason
 * to give up on the other segments.
 */
export function isSafeTarget(target: string): boolean {
  if (target.charCodeAt(0) !== SLASH || target.charCodeAt(1) === SLASH) return false
  // The path ends at `?` only: `#` has no place in a request target, and an upstream may take it
  // (and the `..` after it) literally.
  const q = target.indexOf('?')
  const path = q < 0 ? target : target.slice(0, q)
  // A dot segment needs a `.` or a percent-escape; most paths have neither (hot path).
  if (path.indexOf('.') < 0 && path.indexOf('%') < 0) return true
  const once = percentDecode(path, true)
  if (once === undefined || hasDotSegment(once)) return false
  // A second decoding hop is lenient: a `%` left after the first is data (`100%25` names `100%`).
  return once.indexOf('%') < 0 || !hasDotSegment(percentDecode(once, false)!)
}

/** Splits `path?query` without decoding; the path is what routes match. */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?')
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q) }
}

const SLASH = 0x2f
const BACKSLASH = 0x5c
const DOT = 0x2e
const SEMICOLON = 0x3b

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30
  const lower = code | 0x20
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10
  return -1
}

/**
 * Percent-decodes to one char per byte (latin1). `strict`: a `%` not followed by two hex digits
 * gives `undefined`; otherwise it is kept as it is.
 */
export function percentDecode(text: string, strict: boolean): string | undefined {
  let i = text.indexOf('%')
  if (i < 0) return text
  let out = text.slice(0, i)
  while (i < text.length) {
    const code = text.charCodeAt(i)
    if (code === 0x25) {
      const hi = hexValue(text.charCodeAt(i + 1))
      const lo = hexValue(text.charCodeAt(i + 2))
      if (hi >= 0 && lo >= 0) {
        out += String.fromCharCode(hi * 16 + lo)
        i += 3
        continue
      }
      if (strict) return undefined
    }
    out += text[i]
    i++
  }
  return out
}

/** Whether a segment of `text` is `.` or `..` once its `;…` suffix, spaces and controls are gone. */
export function hasDotSegment(text: string): boolean {
  let dots = 0
  let other = false
  let params = false
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : SLASH
    if (code === SLASH || code === BACKSLASH) {
      if (!other && (dots === 1 || dots === 2)) return true
      dots = 0
      other = false
      params = false
    } else if (params || code <= 0x20) {
      continue
    } else if (code === SEMICOLON) {
      params = true
    } else if (code === DOT) {
      dots++
    } else {
      other = true
    }
  }
  return false
}
