import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import {
  brotliCompressSync,
  createBrotliCompress,
  createDeflate,
  createGzip,
  deflateSync,
  gzipSync,
} from 'node:zlib'
import type { BodyVariant } from './controls.ts'

/** A response body: none, one buffer, or chunks produced lazily (downloads, huge bodies). */
export type ReplyBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'buffer'; readonly bytes: Buffer }
  | {
      readonly kind: 'stream'
      /** Undefined sends `transfer-encoding: chunked`. */
      readonly length: number | undefined
      readonly chunks: () => Iterable<Buffer> | AsyncIterable<Buffer>
    }

/** A response before it is written: framing headers are added by {@link sendReply}. */
export interface Reply {
  readonly status: number
  readonly headers: readonly (readonly [string, string])[]
  readonly body: ReplyBody
}

export const JSON_TYPE = 'application/json;charset=UTF-8'

/** A JSON reply with the real API's content type. */
export function jsonReply(status: number, value: unknown, extra: [string, string][] = []): Reply {
  const bytes = Buffer.from(JSON.stringify(value))
  return {
    status,
    headers: [['content-type', JSON_TYPE], ...extra],
    body: { kind: 'buffer', bytes },
  }
}

function* take(chunks: Iterable<Buffer>, limit: number): Generator<Buffer> {
  let left = limit
  for (const chunk of chunks) {
    if (left <= 0) return
    yield chunk.length > left ? chunk.subarray(0, left) : chunk
    left -= chunk.length
  }
}

const COMPRESSORS = {
  gzip: { sync: gzipSync, stream: createGzip },
  deflate: { sync: deflateSync, stream: createDeflate },
  br: { sync: brotliCompressSync, stream: createBrotliCompress },
} as const

/**
 * Applies the transport-level `x-sim-body` variants to a reply: `not-json`, `empty`, then a
 * content coding (`gzip`, `br`, `deflate`), then `truncated` (half the bytes as sent, with a
 * content-length that matches the half, so the response is well-framed but the JSON is cut).
 */
export function applyBodyVariants(reply: Reply, variants: ReadonlySet<BodyVariant>): Reply {
  if (variants.size === 0) return reply
  let headers = [...reply.headers]
  let body = reply.body
  if (variants.has('not-json')) {
    headers = headers.filter(([n]) => n !== 'content-type')
    headers.unshift(['content-type', 'text/html;charset=UTF-8'])
    const html = `<html><body><h1>${reply.status} Error</h1><p>Service unavailable</p></body></html>`
    body = { kind: 'buffer', bytes: Buffer.from(html) }
  }
  if (variants.has('empty')) {
    headers = headers.filter(([n]) => n !== 'content-type')
    body = { kind: 'none' }
  }
  const coding = (['gzip', 'br', 'deflate'] as const).find((c) => variants.has(c))
  if (coding && body.kind !== 'none') {
    headers.push(['content-encoding', coding])
    if (body.kind === 'buffer') {
      body = { kind: 'buffer', bytes: COMPRESSORS[coding].sync(body.bytes) }
    } else {
      const source = body.chunks
      body = {
        kind: 'stream',
        length: undefined,
        chunks: () => Readable.from(source()).pipe(COMPRESSORS[coding].stream()),
      }
    }
  }
  if (variants.has('truncated')) {
    if (body.kind === 'buffer') {
      body = { kind: 'buffer', bytes: body.bytes.subarray(0, Math.floor(body.bytes.length / 2)) }
    } else if (body.kind === 'stream' && body.length !== undefined) {
      const { chunks, length } = body
      const half = Math.floor(length / 2)
      body = {
        kind: 'stream',
        length: half,
        chunks: () => take(chunks() as Iterable<Buffer>, half),
      }
    }
  }
  return { status: reply.status, headers, body }
}

/** Resolves true after `ms`, or false as soon as the response is closed (client gone). */
export function sleep(res: ServerResponse, ms: number): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false)
  if (ms <= 0) return Promise.resolve(true)
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      res.off('close', onClose)
      resolve(true)
    }, ms)
    res.once('close', onClose)
  })
}

/** Waits for 'drain' (true) or 'close' (false), so a vanished client ends the loop. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = () => {
      res.off('close', onClose)
      resolve(true)
    }
    const onClose = () => {
      res.off('drain', onDrain)
      resolve(false)
    }
    res.once('drain', onDrain)
    res.once('close', onClose)
  })
}

function* split(bytes: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size)
}

/** How a reply is written: normally, slowly (`slow-body`), or cut half-way (`reset-mid-body`). */
export interface SendOptions {
  readonly reason: string
  readonly extraHeaders: readonly (readonly [string, string])[]
  readonly mode?: 'slow' | 'cut'
  readonly chunkDelayMs?: number
  readonly chunkBytes?: number
}

/**
 * Writes a reply. Small bodies go out in one `end()`; streams are written until `write()` returns
 * false, then wait for 'drain' (backpressure), so a 10 GiB download holds one chunk at a time.
 */
export async function sendReply(
  req: IncomingMessage,
  res: ServerResponse,
  reply: Reply,
  options: SendOptions
): Promise<void> {
  const { body } = reply
  const length = body.kind === 'none' ? 0 : body.kind === 'buffer' ? body.bytes.length : body.length
  const bodyless = reply.status === 204 || reply.status === 304 || reply.status < 200
  const flat: string[] = []
  for (const [name, value] of reply.headers) flat.push(name, value)
  if (!bodyless && length !== undefined) flat.push('content-length', String(length))
  for (const [name, value] of options.extraHeaders) flat.push(name, value)
  // A flat array keeps header order and repeats (set-cookie) exactly as given.
  res.writeHead(reply.status, options.reason, flat)
  if (bodyless || req.method === 'HEAD' || body.kind === 'none') return void res.end()
  if (options.mode === undefined && body.kind === 'buffer') return void res.end(body.bytes)

  const slow = options.mode === 'slow'
  // Without a known length (chunked), a cut falls after the first 64 KiB.
  const limit = options.mode === 'cut' ? Math.floor((length ?? 131072) / 2) : Infinity
  const chunkBytes = options.chunkBytes ?? (body.kind === 'buffer' ? 16 : 65536)
  const chunks = body.kind === 'buffer' ? split(body.bytes, chunkBytes) : body.chunks()
  if (slow) res.flushHeaders()
  let sent = 0
  for await (const whole of chunks) {
    if (slow && !(await sleep(res, options.chunkDelayMs ?? 100))) return
    if (res.destroyed) return
    const chunk = whole.length > limit - sent ? whole.subarray(0, limit - sent) : whole
    sent += chunk.length
    const flowing = chunk.length === 0 || res.write(chunk)
    if (sent >= limit) break
    if (!flowing && !(await drained(res))) return
  }
  if (sent >= limit) {
    // reset-mid-body: the announced length is never reached; the socket closes once what was
    // written has gone out, so the client sees a premature end, not a lost header.
    if (sent === 0) res.flushHeaders()
    res.socket?.destroySoon()
    return
  }
  if (!res.destroyed) res.end()
}
