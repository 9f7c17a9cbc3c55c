import type { IncomingMessage, ServerResponse } from 'node:http'
import type { MiddlewareHandler } from 'hono'
import type { Exchange } from '../exchange/exchange.ts'
import { gatewayReply } from '../exchange/gateway-reply.ts'
import { BodyLimit } from './body-limit.ts'
import { GatewayError, toGatewayError } from '../http/errors.ts'
import { upstreamRequestHeaders } from '../http/headers.ts'
import { ClientGone } from './client-gone.ts'
import { forwardEarlyHints } from './early-hints.ts'
import { decrementMaxForwards, finalRecipientReply, maxForwards } from './max-forwards.ts'
import type { Forward } from './forward.ts'

export { createDispatcher, createForward, type Forward } from './forward.ts'
export type { UpstreamObserver } from './observer.ts'

export interface UpstreamStageOptions {
  readonly forward: Forward
  readonly maxRequestBytes: number | undefined
}

type Bindings = { incoming: IncomingMessage; outgoing: ServerResponse }

/**
 * Whether the request body carries a transfer coding besides `chunked`, which Node's parser
 * undoes: the bytes it hands on are still coded (`gzip, chunked` gives gzip bytes), and sent on
 * without the coding they would reach the upstream as a different body (RFC 9112 §6.1). Node
 * itself refuses a coding list that does not end in `chunked` with 400; this is its sibling.
 */
function codedBeyondChunked(incoming: IncomingMessage): boolean {
  const codings = incoming.headers['transfer-encoding']
  return codings !== undefined && codings.trim().toLowerCase() !== 'chunked'
}

function hasBody(incoming: IncomingMessage): boolean {
  // RFC 9112 §6.3: a request has a body when it declares a length or a transfer coding.
  const length = incoming.headers['content-length']
  return (
    incoming.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  )
}

/**
 * The innermost stage: sends the request to its route's upstream and leaves the reply on the
 * exchange for the outer stages. Bodies stream both ways; the client's disconnect cancels the
 * upstream call unless the cache shares that call with other clients.
 *
 * @example
 * app.use(upstreamStage({ forward, maxRequestBytes: config.maxRequestBytes }))
 */
export function upstreamStage(
  options: UpstreamStageOptions
): MiddlewareHandler<{ Bindings: Bindings; Variables: { exchange: Exchange } }> {
  const { forward } = options

  return async function upstream(c) {
    const exchange = c.get('exchange')
    const { incoming, outgoing } = c.env
    if (exchange.invalidTarget) {
      exchange.reply = gatewayReply('INVALID_PATH')
      return
    }
    const hops = maxForwards(incoming)
    if (hops === 0) {
      exchange.reply = finalRecipientReply(incoming)
      return
    }
    const withBody = hasBody(incoming)
    if (withBody && codedBeyondChunked(incoming)) {
      exchange.reply = gatewayReply('UNSUPPORTED_TRANSFER_CODING')
      outgoing.shouldKeepAlive = false
      return
    }
    const limit = options.maxRequestBytes
    if (
      withBody &&
      limit !== undefined &&
      Number(incoming.headers['content-length'] ?? 0) > limit
    ) {
      exchange.reply = gatewayReply('REQUEST_TOO_LARGE')
      outgoing.shouldKeepAlive = false
      return
    }
    const limiter = withBody && limit !== undefined ? new BodyLimit(limit) : undefined
    const body = !withBody ? null : limiter ? incoming.pipe(limiter) : incoming

    const clientGone = new ClientGone()
    outgoing.once('close', () => {
      if (!outgoing.writableFinished && !exchange.sharedUpstream) clientGone.abort()
    })
    const headers = upstreamRequestHeaders(incoming.rawHeaders, {
      clientAddress: incoming.socket.remoteAddress,
      protocol: 'encrypted' in incoming.socket ? 'https' : 'http',
      requestId: exchange.requestId,
    })
    if (hops !== undefined) decrementMaxForwards(headers, hops)
    try {
      exchange.reply = await forward({
        exchange,
        method: exchange.method,
        target: exchange.target,
        headers,
        body,
        gone: clientGone,
        // 1xx are for HTTP/1.1 clients only (RFC 9110 §15.2).
        ...(incoming.httpVersionMinor >= 1 && {
          onEarlyHints: (hints: readonly string[]) => forwardEarlyHints(outgoing, hints),
        }),
      })
    } catch (error) {
      const failure = limiter?.exceeded
        ? new GatewayError('REQUEST_TOO_LARGE')
        : toGatewayError(error)
      if (withBody && !incoming.readableEnded) outgoing.shouldKeepAlive = false
      exchange.reply = gatewayReply(failure.code)
      exchange.gatewayError = failure
    }
  }
}
