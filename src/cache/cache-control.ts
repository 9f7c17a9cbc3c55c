/**
 * Cache-Control parsing (RFC 9111 §5.2): a comma-separated list of `token [ "=" ( token /
 * quoted-string ) ]`, directive names case-insensitive (§5.2). Pure.
 */

/** Directive name (lower-case) → its argument, or `true` when it has none. */
export type Directives = ReadonlyMap<string, string | true>

const EMPTY: Directives = new Map()

/**
 * Parses every `Cache-Control` field line of a message. When a directive repeats, the first
 * occurrence is kept (RFC 9111 §4.2.1 allows using the first one).
 *
 * @example
 * parseCacheControl(['max-age=60, private="set-cookie, x"']).get('max-age') // '60'
 */
export function parseCacheControl(values: readonly string[]): Directives {
  if (values.length === 0) return EMPTY
  const out = new Map<string, string | true>()
  for (const value of values) parseInto(value, out)
  return out
}

function parseInto(value: string, out: Map<string, string | true>): void {
  let i = 0
  const n = value.length
  while (i < n) {
    while (i < n && (value[i] === ',' || value[i] === ' ' || value[i] === '\t')) i++
    const nameStart = i
    while (i < n && value[i] !== '=' && value[i] !== ',') i++
    const name = value.slice(nameStart, i).trim().toLowerCase()
    let arg: string | true = true
    if (value[i] === '=') {
      i++
      if (value[i] === '"') {
        // quoted-string (RFC 9110 §5.6.4): a backslash escapes the next character.
        i++
        let text = ''
        while (i < n && value[i] !== '"') {
          if (value[i] === '\\' && i + 1 < n) i++
          text += value[i]
          i++
        }
        i++
        arg = text
        while (i < n && value[i] !== ',') i++
      } else {
        const argStart = i
        while (i < n && value[i] !== ',') i++
        arg = value.slice(argStart, i).trim()
      }
    }
    if (name && !out.has(name)) out.set(name, arg)
  }
}

// RFC 9111 §1.2.2: a delta-seconds too large to represent is taken as 2^31.
const DELTA_MAX = 2 ** 31
const DELTA = /^\d+$/

/**
 * A delta-seconds argument (RFC 9111 §1.2.2): the seconds, `'invalid'` when the directive is
 * present without a valid one (negative, a fraction, single quotes, no argument at all), or
 * undefined when absent. The double-quoted form is read like the token form, as RFC 9111 §5.2
 * asks of recipients, since the parser has already unquoted it.
 *
 * @example
 * deltaArgument(parseCacheControl(['max-age=-1']), 'max-age') // 'invalid'
 */
export function deltaArgument(
  directives: Directives,
  name: string
): number | 'invalid' | undefined {
  const arg = directives.get(name)
  if (arg === undefined) return undefined
  if (typeof arg !== 'string' || !DELTA.test(arg)) return 'invalid'
  const value = Number(arg)
  return value > DELTA_MAX ? DELTA_MAX : value
}

/** A delta-seconds argument, or undefined when absent or malformed (the directive is ignored). */
export function deltaSeconds(directives: Directives, name: string): number | undefined {
  const value = deltaArgument(directives, name)
  return value === 'invalid' ? undefined : value
}
