import type { IncomingMessage, ServerResponse } from 'node:http'
import type { MiddlewareHandler } from 'hono'
import type { Dispatcher } from 'undici'
import type { UpstreamConfig } from '../config/types.ts'
import type { Exchange } from '../exchange/exchange.ts'
import { gatewayReply } from '../exchange/gateway-reply.ts'
import { BodyLimit } from './body-limit.ts'
import { GatewayError, toGatewayError } from './errors.ts'
import { upstreamRequestHeaders } from './headers.ts'
import type { UpstreamCallResult, UpstreamObserver } from './observer.ts'
import { callUpstream } from './upstream.ts'

export type { UpstreamObserver } from './observer.ts'

export interface UpstreamStageOptions {
  readonly dispatcher: Dispatcher
  readonly upstreams: ReadonlyMap<string, UpstreamConfig>
  readonly headersTimeoutMs: number
  readonly bodyTimeoutMs: number
  readonly retries: number
  readonly maxRequestBytes: number | undefined
  readonly observers?: readonly UpstreamObserver[]
}

type Bindings = { incoming: IncomingMessage; outgoing: ServerResponse }

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
 * app.use(upstreamStage({ dispatcher, upstreams: config.upstreams, headersTimeoutMs: 35_000, ... }))
 */
export function upstreamStage(
  options: UpstreamStageOptions
): MiddlewareHandler<{ Bindings: Bindings; Variables: { exchange: Exchange } }> {
  const observers = options.observers ?? []
  const upstreamOptions = {
    dispatcher: options.dispatcher,
    headersTimeoutMs: options.headersTimeoutMs,
    bodyTimeoutMs: options.bodyTimeoutMs,
    retries: options.retries,
  }

  return async function upstream(c) {
    const exchange = c.var.exchange
    const { incoming, outgoing } = c.env
    if (exchange.invalidTarget) {
      exchange.reply = gatewayReply('INVALID_PATH')
      return
    }
    const upstreamName = exchange.route?.route.upstream ?? 'default'
    const target = options.upstreams.get(upstreamName)!
    const withBody = hasBody(incoming)
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

    const controller = new AbortController()
    outgoing.once('close', () => {
      if (!outgoing.writableFinished && !exchange.sharedUpstream) controller.abort()
    })
    const headers = upstreamRequestHeaders(incoming.rawHeaders, {
      clientAddress: incoming.socket.remoteAddress,
      protocol: 'encrypted' in incoming.socket ? 'https' : 'http',
      requestId: exchange.requestId,
    })
    const method = exchange.method
    const ends = observers.map((o) => o.start(exchange, { upstream: target, method, headers }))
    const report = (result: UpstreamCallResult) => ends.forEach((end) => end(result))
    try {
      const reply = await callUpstream(upstreamOptions, {
        origin: target.origin,
        path: target.basePath + exchange.target,
        method,
        headers,
        body,
        signal: controller.signal,
      })
      report({ status: reply.status })
      exchange.reply = reply
    } catch (error) {
      const failure = limiter?.exceeded
        ? new GatewayError('REQUEST_TOO_LARGE')
        : toGatewayError(error)
      report({ errorCode: failure.code, error })
      if (withBody && !incoming.readableEnded) outgoing.shouldKeepAlive = false
      exchange.reply = gatewayReply(failure.code)
      exchange.gatewayError = failure
    }
  }
}
