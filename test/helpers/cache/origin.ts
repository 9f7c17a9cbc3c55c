import type { IncomingMessage, ServerResponse } from 'node:http'
import { startOrigin as startRawOrigin } from '../origin.ts'

/** A request as the origin saw it. */
export interface OriginRequest {
  readonly method: string
  readonly url: string
  readonly path: string
  readonly headers: IncomingMessage['headers']
  readonly body: string
}

export type OriginHandler = (
  req: OriginRequest,
  res: ServerResponse,
  n: number
) => void | Promise<void>

export interface Origin {
  readonly url: string
  readonly requests: OriginRequest[]
  /** Requests seen so far, optionally only those matching. */
  count(filter?: (req: OriginRequest) => boolean): number
  /** Replaces the behaviour for paths (without query) starting with `prefix`. */
  on(prefix: string, handler: OriginHandler): void
  close(): Promise<void>
}

/**
 * The default behaviour, driven by the query (which is part of the cache key, so each variant
 * is its own entry): `status`, `delay` (ms before headers), `headers` (JSON object of extra
 * response headers), `size` (body bytes; with `chunked=1` sent without a length). The body is
 * JSON naming the path, the caller's `Authorization` and `consumerKey`, and `n`, the origin's
 * request counter, so a test can tell a replay from a new answer.
 */
export const defaultHandler: OriginHandler = async (req, res, n) => {
  const query = new URL(req.url, 'http://origin').searchParams
  const delay = Number(query.get('delay') ?? 0)
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
  const status = Number(query.get('status') ?? 200)
  const extra = JSON.parse(query.get('headers') ?? '{}') as Record<string, string | string[]>
  const doc = {
    path: req.path,
    caller: req.headers.authorization ?? null,
    consumerKey: req.headers.consumerkey ?? null,
    n,
    ...(status >= 400 && { domain: 'drive', code: `E${status}`, message: 'simulated' }),
  }
  let body = Buffer.from(JSON.stringify(doc))
  const size = Number(query.get('size') ?? 0)
  if (size > body.length) body = Buffer.concat([body, Buffer.alloc(size - body.length, 0x20)])
  res.statusCode = status
  res.setHeader('content-type', 'application/json')
  for (const [name, value] of Object.entries(extra)) res.setHeader(name, value)
  if (query.get('chunked') === '1') {
    // Several writes without a length: the gateway streams it (and must tee it to cache it).
    const step = 16 * 1024
    for (let i = 0; i < body.length; i += step) res.write(body.subarray(i, i + step))
    res.end()
    return
  }
  res.setHeader('content-length', body.length)
  res.end(req.method === 'HEAD' ? undefined : body)
}

/** A real HTTP origin on a free port (`startOrigin`) that records every request with its body. */
export async function startOrigin(): Promise<Origin> {
  const requests: OriginRequest[] = []
  const handlers: [string, OriginHandler][] = []
  const origin = await startRawOrigin((incoming, res) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const url = incoming.url ?? '/'
      const req: OriginRequest = {
        method: incoming.method ?? 'GET',
        url,
        path: url.split('?')[0]!,
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }
      requests.push(req)
      const handler = handlers.find(([prefix]) => req.path.startsWith(prefix))?.[1]
      Promise.resolve((handler ?? defaultHandler)(req, res, requests.length)).catch(() =>
        res.destroy()
      )
    })
  })
  return {
    url: origin.url,
    requests,
    count: (filter) => (filter ? requests.filter(filter).length : requests.length),
    on(prefix, handler) {
      handlers.unshift([prefix, handler])
    },
    close: origin.close,
  }
}
