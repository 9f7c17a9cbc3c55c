import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { Reply } from '../exchange/types.ts'
import { cancelled, type ClientGone } from './client-gone.ts'
import { GatewayError, isRetriableConnectError, toGatewayError } from '../http/errors.ts'
import { findHeader, stripHopByHop } from '../http/headers.ts'
import { responseDefect } from '../http/response-defect.ts'

/** Bodies up to this size, with a known length, are read whole: about half the CPU of piping. */
const SMALL_BODY_BYTES = 64 * 1024

export interface UpstreamRequest {
  readonly origin: string
  /** Path and query as sent upstream, base path included. */
  readonly path: string
  readonly method: string
  readonly headers: string[]
  /** The client's request body, streamed through; `null` when there is none. */
  readonly body: IncomingMessage | Readable | null
  readonly signal: AbortSignal | ClientGone | undefined
  /** Told of each `103 Early Hints` before the final response, with its raw header list. */
  readonly onEarlyHints?: ((rawHeaders: readonly string[]) => void) | undefined
}

export interface UpstreamOptions {
  readonly dispatcher: Dispatcher
  readonly headersTimeoutMs: number
  readonly bodyTimeoutMs: number
  readonly retries: number
}

function requestOnce(options: UpstreamOptions, req: UpstreamRequest) {
  return options.dispatcher.request({
    origin: req.origin,
    path: req.path,
    method: req.method as Dispatcher.HttpMethod,
    headers: req.headers,
    body: req.body,
    signal: req.signal,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    // Raw headers keep their case, order and repeats. Undici's request() never follows
    // redirects, so a 302 download Location reaches the client as sent.
    responseHeaders: 'raw',
    // Interim responses: undici consumes 100 (patched, see patches/) and surfaces the others
    // here; only 103 means something to pass on (RFC 8297).
    ...(req.onEarlyHints && {
      onInfo: ({ statusCode, headers }: { statusCode: number; headers: unknown }) => {
        if (statusCode === 103) req.onEarlyHints!(headers as string[])
      },
    }),
  } as Dispatcher.RequestOptions)
}

/**
 * Sends one request upstream and turns the answer into a {@link Reply}. GET and HEAD without a
 * body are sent again only when the connection failed before any byte was written. A response
 * the gateway cannot pass on as sent (see `responseDefect`) becomes `UPSTREAM_BAD_RESPONSE`.
 */
export async function callUpstream(options: UpstreamOptions, req: UpstreamRequest): Promise<Reply> {
  const retriable = req.body === null && (req.method === 'GET' || req.method === 'HEAD')
  let attempt = 0
  for (;;) {
    try {
      const res = await requestOnce(options, req)
      const rawHeaders = res.headers as unknown as string[]
      const defect = responseDefect(res.statusCode, res.statusText, rawHeaders)
      if (defect) {
        discard(res.body)
        throw new GatewayError('UPSTREAM_BAD_RESPONSE', { detail: defect })
      }
      const endToEnd = stripHopByHop(rawHeaders)
      return {
        status: res.statusCode,
        // As sent, empty included: the patched parser keeps its bytes as latin1.
        statusText: res.statusText,
        rawHeaders: endToEnd,
        body: await readBody(res.body, req.method, res.statusCode, endToEnd),
        source: 'upstream',
      }
    } catch (error) {
      if (cancelled(req.signal)) throw error
      if (retriable && attempt < options.retries && isRetriableConnectError(error)) {
        attempt++
        continue
      }
      throw toGatewayError(error)
    }
  }
}

/** Drops a body that will not be passed on; its stream may still fail, and must not throw. */
function discard(body: Readable): void {
  body.on('error', () => {})
  body.destroy()
}

function declaredLength(rawHeaders: readonly string[]): number | undefined {
  const value = Number(findHeader(rawHeaders, 'content-length'))
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined
}

/**
 * Small bodies of known length are read whole so they can be written in one go (and cached or
 * shared with coalesced waiters without a second pass). If the upstream breaks while we read,
 * the client still gets what the upstream sent, then a broken body: never a made-up response.
 */
function readBody(
  body: Readable,
  method: string,
  status: number,
  rawHeaders: readonly string[]
): Promise<Buffer | Readable | null> | Buffer | Readable | null {
  if (method === 'HEAD' || status === 204 || status === 304) {
    body.resume()
    return null
  }
  const length = declaredLength(rawHeaders)
  if (length === undefined || length > SMALL_BODY_BYTES) return body
  // Plain events rather than `for await`: no async iterator per response on the hot path.
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    body.on('data', (chunk: Buffer) => chunks.push(chunk))
    body.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    body.once('error', (error) => resolve(brokenBody(chunks, error)))
  })
}

function brokenBody(chunks: Buffer[], error: unknown): Readable {
  return new Readable({
    read() {
      for (const chunk of chunks) this.push(chunk)
      chunks.length = 0
      this.destroy(error as Error)
    },
  })
}
