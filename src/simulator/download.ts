import { createHash } from 'node:crypto'
import type { Reply } from './send.ts'
import { JSON_TYPE } from './send.ts'

/** Download size when neither `?size=` nor `x-sim-size` gives one. */
export const DEFAULT_DOWNLOAD_BYTES = 1024 * 1024

// A prime length: a body shifted by any offset that is not a multiple of it differs, so a proxy
// that drops, repeats or reorders a chunk is caught by comparing against simulatedBytes().
const PATTERN_LENGTH = 65_521

const PATTERN = (() => {
  const bytes = Buffer.allocUnsafe(PATTERN_LENGTH)
  let x = 0x9e3779b9
  for (let i = 0; i < PATTERN_LENGTH; i++) {
    // xorshift32: cheap, deterministic, no visible period within the pattern.
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    bytes[i] = x & 0xff
  }
  return bytes
})()

/**
 * The simulator's download bytes from `start` (inclusive) to `end` (exclusive), as views of one
 * shared pattern: no allocation per chunk, whatever the size.
 */
export function* simulatedBytes(start: number, end: number): Generator<Buffer> {
  let offset = start
  while (offset < end) {
    const at = offset % PATTERN_LENGTH
    const length = Math.min(PATTERN_LENGTH - at, end - offset)
    yield PATTERN.subarray(at, at + length)
    offset += length
  }
}

/** SHA-256 (hex) of the first `size` download bytes, for tests that compare what arrived. */
export function simulatedSha256(size: number, start = 0): string {
  const hash = createHash('sha256')
  for (const chunk of simulatedBytes(start, start + size)) hash.update(chunk)
  return hash.digest('hex')
}

/** A satisfiable single range, inclusive bounds as in `Content-Range`. */
export interface ByteRange {
  readonly start: number
  readonly end: number
}

/**
 * Parses a single `Range: bytes=a-b` / `bytes=a-` / `bytes=-n` (RFC 9110 §14.1.2).
 * Returns undefined to serve the whole body (no header, several ranges, or syntax the server may
 * ignore), `'unsatisfiable'` for a 416.
 */
function parseRange(
  header: string | undefined,
  size: number
): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === '' && match[2] === '')) return undefined
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(match[1])
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (start >= size) return 'unsatisfiable'
  if (end < start) return undefined
  return { start, end }
}

/**
 * The reply to a download: 200 with the whole body, 206 with one range, or 416. Bytes are
 * produced as the socket takes them (see sendReply), never held whole.
 */
export function downloadReply(size: number, rangeHeader: string | undefined): Reply {
  const headers: [string, string][] = [
    ['content-type', 'application/octet-stream'],
    ['accept-ranges', 'bytes'],
  ]
  const range = parseRange(rangeHeader, size)
  if (range === 'unsatisfiable') {
    headers[0] = ['content-type', JSON_TYPE]
    headers.push(['content-range', `bytes */${size}`])
    const bytes = Buffer.from(
      JSON.stringify({ domain: 'drive', code: 'INVALID_PARAMETER', message: 'Invalid Parameters' })
    )
    return { status: 416, headers, body: { kind: 'buffer', bytes } }
  }
  const start = range?.start ?? 0
  const end = range ? range.end + 1 : size
  if (range) headers.push(['content-range', `bytes ${range.start}-${range.end}/${size}`])
  return {
    status: range ? 206 : 200,
    headers,
    body: { kind: 'stream', length: end - start, chunks: () => simulatedBytes(start, end) },
  }
}
