import type { IncomingMessage } from 'node:http'
import { CappedBytes } from '../http/capped-bytes.ts'
import { headerValue } from '../http/headers.ts'
import { watchData } from '../http/watch-data.ts'

/**
 * Reads named top-level string fields from a write's request body as it streams by, without
 * consuming it or holding it back: JSON (the whole body, when it is small), and the leading form
 * fields of `multipart/form-data` or `application/x-www-form-urlencoded` bodies. An API 1.0
 * upload is multipart with `toParentKey` and `resourceName` before the file part (the file must
 * be last), so the first few KiB of a multi-GiB upload name its folder.
 */

/** Bytes of a body looked at; the rest of an upload streams past untouched. */
export const BODY_FIELDS_CAP = 64 * 1024

type BodyKind = 'json' | 'multipart' | 'form'

function kindOf(contentType: string): BodyKind | undefined {
  if (/\bjson\b/i.test(contentType)) return 'json'
  if (/^\s*multipart\/form-data\b/i.test(contentType)) return 'multipart'
  if (/^\s*application\/x-www-form-urlencoded\b/i.test(contentType)) return 'form'
  return undefined
}

/** True when the headers say the body is JSON. */
export function isJson(rawHeaders: readonly string[]): boolean {
  return kindOf(headerValue(rawHeaders, 'content-type') ?? '') === 'json'
}

/** The string values of `fields` at the top level of a JSON object; nothing for anything else. */
export function jsonFields(json: Buffer, fields: readonly string[]): string[] {
  if (json.length === 0) return []
  try {
    const value: unknown = JSON.parse(json.toString('utf8'))
    if (typeof value !== 'object' || value === null) return []
    const found: string[] = []
    for (const field of fields) {
      const named = (value as Record<string, unknown>)[field]
      if (typeof named === 'string' && named !== '') found.push(named)
    }
    return found
  } catch {
    return []
  }
}

/** RFC 7578 §4.1: the boundary parameter, quoted or not. */
function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType)
  return match?.[1] ?? match?.[2]
}

/**
 * The values of `fields` among the complete parts of a multipart body's first bytes. Parts with
 * a filename are files, never fields; a part cut off by the cap is ignored.
 */
export function multipartFields(
  prefix: Buffer,
  contentType: string,
  fields: readonly string[]
): string[] {
  const boundary = boundaryOf(contentType)
  if (!boundary) return []
  // latin1 keeps one character per byte, so nothing in a binary part can fail to decode.
  const parts = prefix.toString('latin1').split(`--${boundary}`)
  const found: string[] = []
  // parts[0] is the preamble; the last piece is either the close delimiter or cut off.
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!
    const split = part.indexOf('\r\n\r\n')
    if (split < 0) continue
    const head = part.slice(0, split)
    const disposition = /^content-disposition:[^\r\n]*$/im.exec(head)?.[0] ?? ''
    if (/;\s*filename\*?\s*=/i.test(disposition)) continue
    const name = /;\s*name\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(disposition)
    const field = name?.[1] ?? name?.[2]
    if (field === undefined || !fields.includes(field)) continue
    const value = Buffer.from(part.slice(split + 4).replace(/\r\n$/, ''), 'latin1').toString()
    if (value !== '') found.push(value)
  }
  return found
}

/** The values of `fields` in a complete urlencoded body. */
export function formFields(body: Buffer, fields: readonly string[]): string[] {
  const params = new URLSearchParams(body.toString('utf8'))
  return fields.flatMap((field) => params.getAll(field).filter((value) => value !== ''))
}

/**
 * Starts copying the first {@link BODY_FIELDS_CAP} bytes of `incoming` as the upstream stage
 * reads it; the returned function (called once the response is in) gives the named fields found.
 * A JSON or urlencoded body counts only if it ended within the cap; a multipart body's leading
 * parts count even while the file part is still streaming.
 */
export function tapBodyFields(
  incoming: IncomingMessage,
  fields: readonly string[]
): () => string[] {
  const contentType = headerValue(incoming.rawHeaders, 'content-type') ?? ''
  const kind = kindOf(contentType)
  const declared = Number(incoming.headers['content-length'] ?? 0)
  if (kind === undefined || (kind !== 'multipart' && declared > BODY_FIELDS_CAP)) return () => []
  const copy = new CappedBytes(BODY_FIELDS_CAP)
  let ended = false
  const onData = (chunk: Buffer) => {
    if (!copy.add(chunk)) incoming.off('data', onData)
  }
  // It must not start the stream before the upstream reads it.
  watchData(incoming, onData)
  incoming.once('end', () => (ended = true))
  return () => {
    incoming.off('data', onData)
    const seen = copy.bytes()
    if (kind === 'multipart') return multipartFields(seen, contentType, fields)
    if (!ended || copy.overflowed) return []
    return kind === 'json' ? jsonFields(seen, fields) : formFields(seen, fields)
  }
}
