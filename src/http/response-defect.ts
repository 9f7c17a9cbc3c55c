import { listMembers } from './headers.ts'

// Bytes HTTP forbids in a reason phrase: CTLs other than HTAB, and DEL (RFC 9112 §4:
// reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )). obs-text (0x80–0xFF) is allowed and
// passes through as sent. (Control characters are what this pattern is about.)
// eslint-disable-next-line no-control-regex
const FORBIDDEN_REASON_BYTES = /[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]/

/**
 * Why an upstream response cannot be passed on as sent, or undefined when it can. Pure: looks
 * only at the status line and the raw header list that undici parsed.
 *
 * - A final status outside 200–599: HTTP defines no such class (RFC 9110 §15), and 1xx are
 *   interim (an unsolicited 101 never reaches here: undici fails it as a bad upgrade).
 * - A reason phrase with forbidden bytes: writing it would need a substitute, and the gateway
 *   sends no substitute phrases.
 * - A transfer coding other than a single `chunked`: the parser only undoes `chunked`, so any
 *   other coding (`gzip`, `chunked;q=1`, `chunked, chunked`) would reach the client as body
 *   bytes it cannot decode (RFC 9112 §6.1, §7).
 */
export function responseDefect(
  status: number,
  reason: string,
  rawHeaders: readonly string[]
): string | undefined {
  if (status < 200 || status > 599) return `upstream status ${status}`
  if (FORBIDDEN_REASON_BYTES.test(reason)) return 'forbidden bytes in the reason phrase'
  const codings = transferCodings(rawHeaders)
  if (codings !== undefined && (codings.length !== 1 || codings[0] !== 'chunked')) {
    return `unsupported transfer coding "${codings.join(', ')}"`
  }
  return undefined
}

/** The transfer codings of all `Transfer-Encoding` fields, in order, lower-cased. */
function transferCodings(rawHeaders: readonly string[]): string[] | undefined {
  let codings: string[] | undefined
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    if (name.length !== 17 || name.toLowerCase() !== 'transfer-encoding') continue
    codings ??= []
    for (const coding of listMembers(rawHeaders[i + 1])) codings.push(coding.toLowerCase())
  }
  return codings
}
