import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'

/**
 * At most this much of an error body is copied and decoded to find its code (docs/architecture.md,
 * "Labels").
 */
export const ERROR_BODY_CAP = 64 * 1024

const CODE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/

function decode(body: Buffer, contentEncoding: string | undefined): Buffer | undefined {
  const encoding = contentEncoding?.trim().toLowerCase()
  const limit = { maxOutputLength: ERROR_BODY_CAP }
  try {
    if (!encoding || encoding === 'identity') return body
    if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(body, limit)
    if (encoding === 'deflate') return inflateSync(body, limit)
    if (encoding === 'br') return brotliDecompressSync(body, limit)
  } catch {
    // Truncated, corrupt, or larger than the cap once decoded: no code can be trusted.
  }
  return undefined
}

/**
 * Reads the Drive error code from an error body: `{"domain","code","message"}` (API 1.0),
 * `{"code","description"}` (API 2.0) or `{"errorCode","errorMessage"}` (API 1.0 gateway).
 * `code` wins when both are present; numbers are kept as text. Anything else is `UNKNOWN`.
 *
 * @param body the copy of the body, at most {@link ERROR_BODY_CAP} bytes
 * @param complete false when the body was longer than the copy
 */
export function extractErrorCode(
  body: Buffer,
  contentEncoding: string | undefined,
  complete: boolean
): string {
  if (!complete) return 'UNKNOWN'
  const decoded = decode(body, contentEncoding)
  if (!decoded || decoded.length === 0) return 'UNKNOWN'
  let parsed: unknown
  try {
    parsed = JSON.parse(decoded.toString('utf8'))
  } catch {
    return 'UNKNOWN'
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'UNKNOWN'
  const { code, errorCode } = parsed as { code?: unknown; errorCode?: unknown }
  const value = code ?? errorCode
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value
  return typeof text === 'string' && CODE_PATTERN.test(text) ? text : 'UNKNOWN'
}
