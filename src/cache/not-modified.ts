/**
 * Conditional revalidation of a stored response (RFC 9111 §4.3): the validators a conditional
 * request carries, whether a 304 answers for the stored response, and the stored header list
 * updated from a 304 (§3.2, §4.3.4). Pure.
 */
import { headerValue } from '../http/headers.ts'

/**
 * The conditional request fields for a stored response (RFC 9111 §4.3.1): `If-None-Match` with
 * its entity tag and `If-Modified-Since` with its `Last-Modified`, whichever it has (an origin
 * that understands entity tags ignores the second, RFC 9110 §13.1.3). Empty when it has neither:
 * it can then only be fetched again in full.
 */
export function conditionalHeaders(stored: readonly string[]): string[] {
  const fields: string[] = []
  const etag = headerValue(stored, 'etag')
  if (etag !== undefined) fields.push('If-None-Match', etag)
  const lastModified = headerValue(stored, 'last-modified')
  if (lastModified !== undefined) fields.push('If-Modified-Since', lastModified)
  return fields
}

const isWeak = (tag: string) => tag.startsWith('W/')
const opaque = (tag: string) => (isWeak(tag) ? tag.slice(2) : tag)

/**
 * Whether a 304 answers for the stored response (RFC 9111 §4.3.4): its entity tag, when it
 * sends one, identifies the stored one, by strong comparison when the 304's tag is strong (a
 * strong validator updates only a response with the same strong validator) and by weak
 * comparison when it is weak (RFC 9110 §8.8.3.2); else its `Last-Modified`, when it sends one,
 * equals the stored one. A 304 with no validator answers the conditional request built from
 * this one entry's validators, so it is taken as this entry's (each key holds one stored
 * response, so there is nothing else it could select).
 */
export function notModifiedMatches(stored: readonly string[], response: readonly string[]) {
  const etag = headerValue(response, 'etag')?.trim()
  if (etag !== undefined) {
    const storedTag = headerValue(stored, 'etag')?.trim()
    if (storedTag === undefined) return false
    if (!isWeak(etag)) return !isWeak(storedTag) && storedTag === etag
    return opaque(storedTag) === opaque(etag)
  }
  const lastModified = headerValue(response, 'last-modified')
  if (lastModified !== undefined) return headerValue(stored, 'last-modified') === lastModified
  return true
}

// RFC 9111 §3.2: everything in the 304 replaces the stored fields of the same name, except the
// framing of the stored body (Content-Length; Transfer-Encoding is hop-by-hop and Content-Range
// describes a partial body) and the fields the gateway sets per response (Age is recomputed on
// every use; the request id and X-Cache-Status belong to one exchange). Hop-by-hop fields never
// reach this point: the upstream client strips them.
const NOT_UPDATED: ReadonlySet<string> = new Set([
  'content-length',
  'transfer-encoding',
  'content-range',
  'age',
  'x-request-id',
  'x-cache-status',
])

/**
 * The stored header list updated with a 304's fields (RFC 9111 §3.2, §4.3.4): each field the
 * 304 carries replaces every stored line of that name, in the stored field's place, with all
 * of the 304's lines for it; a field new to the stored response is added at the end. Other
 * stored fields keep their bytes and order.
 *
 * @example
 * mergeNotModified(['ETag', '"a"', 'Cache-Control', 'max-age=1'], ['Cache-Control', 'max-age=60'])
 * // ['ETag', '"a"', 'Cache-Control', 'max-age=60']
 */
export function mergeNotModified(stored: readonly string[], response: readonly string[]) {
  const updates = new Map<string, string[]>()
  for (let i = 0; i < response.length; i += 2) {
    const name = response[i]!.toLowerCase()
    if (NOT_UPDATED.has(name)) continue
    const lines = updates.get(name) ?? []
    lines.push(response[i]!, response[i + 1]!)
    updates.set(name, lines)
  }
  const merged: string[] = []
  const placed = new Set<string>()
  for (let i = 0; i < stored.length; i += 2) {
    const name = stored[i]!.toLowerCase()
    const lines = updates.get(name)
    if (lines === undefined) merged.push(stored[i]!, stored[i + 1]!)
    else if (!placed.has(name)) {
      merged.push(...lines)
      placed.add(name)
    }
  }
  for (const [name, lines] of updates) if (!placed.has(name)) merged.push(...lines)
  return merged
}
