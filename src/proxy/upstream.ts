import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { errors, type Dispatcher } from 'undici'
import type { Reply } from '../exchange/types.ts'
import type { ClientGone } from './client-gone.ts'
import { GatewayError, isRetriableConnectError, toGatewayError } from '../http/errors.ts'
import { findHeader, stripHopByHop } from '../http/headers.ts'
import { responseDefect } from '../http/response-defect.ts'

/** Bodies up to this size, with a known length, are read whole: about half the CPU of piping. */
const SMALL_BODY_BYTES = 64 * 1024

const { RequestAbortedError } = errors

export interface UpstreamRequest {
  readonly origin: string
  /** Path and query as sent upstream, base path included. */
  readonly path: string
  readonly method: string
  readonly headers: string[]
  /** The client's request body, streamed through; `null` when there is none. */
  readonly body: IncomingMessage | Readable | null
  /** Cancels the call when the client goes away (unless the call is shared). */
  readonly gone: ClientGone | undefined
  /** Told of each `103 Early Hints` before the final response, with its raw header list. */
  readonly onEarlyHints?: ((rawHeaders: readonly string[]) => void) | undefined
}

export interface UpstreamOptions {
  readonly dispatcher: Dispatcher
  readonly headersTimeoutMs: number
  readonly bodyTimeoutMs: number
  readonly retries: number
}

/** undici's raw header list as strings: names as tokens, values as their latin1 bytes (obs-text). */
function headerStrings(raw: readonly (Buffer | string)[] | null | undefined): string[] {
  if (!raw) return []
  const out = new Array<string>(raw.length)
  for (let i = 0; i < raw.length; i += 2) {
    out[i] = raw[i]!.toString()
    out[i + 1] = raw[i + 1]!.toString('latin1')
  }
  return out
}

/**
 * A streamed upstream body: pushes what undici delivers, pauses the socket when the reader
 * falls behind, and cancels the upstream request when the reader destroys it early.
 */
class UpstreamBody extends Readable {
  readonly #controller: Dispatcher.DispatchController
  ended = false

  constructor(controller: Dispatcher.DispatchController) {
    super()
    this.#controller = controller
  }

  override _read(): void {
    this.#controller.resume()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.ended) this.#controller.abort(error ?? new RequestAbortedError())
    callback(error)
  }
}

/**
 * One upstream exchange as undici's dispatch handler: the reply resolves when the head has
 * arrived (a stream body) or when a small body of known length has been read whole. Compared
 * with `Dispatcher.request`, no AsyncResource, no Readable for bodies read whole, and no abort
 * listener: the client's disconnect cancels through `ClientGone`.
 */
class ReplyHandler implements Dispatcher.DispatchHandler {
  readonly #req: UpstreamRequest
  readonly #resolve: (reply: Reply) => void
  readonly #reject: (error: unknown) => void
  #settled = false
  /** The head, while a small body is read whole into `#chunks`. */
  #head: Reply | undefined = undefined
  #chunks: Buffer[] | undefined = undefined
  #stream: UpstreamBody | undefined = undefined

  constructor(req: UpstreamRequest, resolve: (reply: Reply) => void, reject: (e: unknown) => void) {
    this.#req = req
    this.#resolve = resolve
    this.#reject = reject
  }

  #settle(reply: Reply): void {
    this.#settled = true
    this.#resolve(reply)
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#req.gone?.onGone(() => controller.abort(new RequestAbortedError()))
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    _headers: unknown,
    statusText: string
  ): void {
    const rawHeaders = headerStrings(
      (controller as unknown as { rawHeaders?: (Buffer | string)[] }).rawHeaders
    )
    if (statusCode < 200) {
      // Interim responses: undici consumes 100 (patched, see patches/); only 103 means
      // something to pass on (RFC 8297).
      if (statusCode === 103) this.#req.onEarlyHints?.(rawHeaders)
      return
    }
    // As sent, empty included: the patched parser keeps the reason's bytes as latin1.
    const defect = responseDefect(statusCode, statusText, rawHeaders)
    if (defect) {
      this.#settled = true
      this.#reject(new GatewayError('UPSTREAM_BAD_RESPONSE', { detail: defect }))
      controller.abort(new RequestAbortedError())
      return
    }
    const endToEnd = stripHopByHop(rawHeaders)
    const head: Reply = {
      status: statusCode,
      statusText,
      rawHeaders: endToEnd,
      body: null,
      source: 'upstream',
    }
    const method = this.#req.method
    if (method === 'HEAD' || statusCode === 204 || statusCode === 304) {
      this.#settle(head)
      return
    }
    // Small bodies of known length are read whole, to be written in one go (and cached or shared
    // with coalesced waiters without a second pass); anything else streams.
    const length = declaredLength(endToEnd)
    if (length !== undefined && length <= SMALL_BODY_BYTES) {
      this.#head = head
      this.#chunks = []
      return
    }
    this.#stream = new UpstreamBody(controller)
    head.body = this.#stream
    this.#settle(head)
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#chunks) this.#chunks.push(chunk)
    else if (this.#stream && !this.#stream.push(chunk)) controller.pause()
  }

  onResponseEnd(): void {
    this.#req.gone?.onGone(undefined)
    const chunks = this.#chunks
    if (chunks && this.#head) {
      this.#head.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
      this.#settle(this.#head)
    } else if (this.#stream) {
      this.#stream.ended = true
      this.#stream.push(null)
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#req.gone?.onGone(undefined)
    if (this.#chunks && this.#head) {
      // The upstream broke while a small body was read: the client still gets what it sent,
      // then a broken body, never a made-up response.
      this.#head.body = brokenBody(this.#chunks, error)
      this.#chunks = undefined
      this.#settle(this.#head)
    } else if (this.#stream) {
      this.#stream.ended = true
      this.#stream.destroy(error)
    } else if (!this.#settled) {
      this.#settled = true
      this.#reject(error)
    }
  }
}

function requestOnce(options: UpstreamOptions, req: UpstreamRequest): Promise<Reply> {
  return new Promise((resolve, reject) => {
    options.dispatcher.dispatch(
      {
        origin: req.origin,
        path: req.path,
        method: req.method as Dispatcher.HttpMethod,
        headers: req.headers,
        body: req.body,
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
      },
      new ReplyHandler(req, resolve, reject)
    )
  })
}

/**
 * Sends one request upstream and turns the answer into a {@link Reply}. GET and HEAD without a
 * body are sent again only when the connection failed before any byte was written. A response
 * the gateway cannot pass on as sent (see `responseDefect`) becomes `UPSTREAM_BAD_RESPONSE`.
 * Undici's `request()` never follows redirects, nor does this: a 302 download Location reaches
 * the client as sent.
 */
export async function callUpstream(options: UpstreamOptions, req: UpstreamRequest): Promise<Reply> {
  const retriable = req.body === null && (req.method === 'GET' || req.method === 'HEAD')
  let attempt = 0
  for (;;) {
    try {
      return await requestOnce(options, req)
    } catch (error) {
      if (req.gone?.gone) throw error
      if (retriable && attempt < options.retries && isRetriableConnectError(error)) {
        attempt++
        continue
      }
      throw toGatewayError(error)
    }
  }
}

function declaredLength(rawHeaders: readonly string[]): number | undefined {
  const value = Number(findHeader(rawHeaders, 'content-length'))
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined
}

/**
 * What arrived of a small body before the upstream broke, then the break: the chunks are pushed
 * on the first read and the stream is destroyed on the next one, once they have been taken
 * (destroying in the same tick would drop them).
 */
function brokenBody(chunks: Buffer[], error: unknown): Readable {
  let delivered = chunks.length === 0
  return new Readable({
    read() {
      if (delivered) {
        this.destroy(error as Error)
        return
      }
      delivered = true
      for (const chunk of chunks) this.push(chunk)
      chunks.length = 0
    },
  })
}
