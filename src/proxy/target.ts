/**
 * Checks a request target before it is joined to the upstream's base path. Only origin-form
 * targets (RFC 9112 §3.2.1) are proxied; an absolute-form target, or a `..` segment in any
 * spelling, could reach outside the base path, so both are refused with `INVALID_PATH`.
 */
export function isSafeTarget(target: string): boolean {
  if (!target.startsWith('/') || target.startsWith('//')) return false
  const end = target.search(/[?#]/)
  const path = end < 0 ? target : target.slice(0, end)
  // A dot segment needs a `.` or a percent-encoding; most paths have neither (hot path).
  if (!/[.%\\]/.test(path)) return true
  let decoded: string
  try {
    // Twice, so that %252e%252e (decoded by a second hop) is caught too.
    decoded = decodeURIComponent(decodeURIComponent(path))
  } catch {
    decoded = path
  }
  return !decoded.split(/[/\\]/).some((segment) => segment === '..')
}

/** Splits `path?query` without decoding; the path is what routes match. */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?')
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q) }
}
