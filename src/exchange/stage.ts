import type { IncomingMessage, ServerResponse } from 'node:http'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { MiddlewareHandler } from 'hono'
import type { ErrorCodeLabeler } from '../labels/index.ts'
import type { RouteMatcher } from '../routes/match.ts'
import { Exchange } from './exchange.ts'
import { sendReply } from './send.ts'
import { gatewayReply } from './gateway-reply.ts'

export type GatewayEnv = {
  Bindings: { incoming: IncomingMessage; outgoing: ServerResponse }
  Variables: { exchange: Exchange }
}

/**
 * The outermost stage: creates the request's {@link Exchange}, matches its route, runs the
 * inner stages, then writes the reply to Node's response itself (docs/architecture.md, "What Hono
 * does here": a proxy must keep what a WHATWG Response cannot) and tells node-server the response
 * was sent.
 */
export function exchangeStage({
  matchRoute,
  errorCodes,
}: {
  matchRoute: RouteMatcher
  /** The gateway's one error-code labeler. */
  errorCodes: ErrorCodeLabeler
}): MiddlewareHandler<GatewayEnv> {
  return async function exchange(c, next) {
    const { incoming, outgoing } = c.env
    // node-server dispatches HEAD as GET; the proxy must forward the method it received.
    const current = new Exchange(incoming.method ?? 'GET', incoming.url ?? '/', errorCodes)
    if (!current.invalidTarget) current.route = matchRoute(current.method, current.path)
    c.set('exchange', current)
    await next()
    sendReply(outgoing, current.reply ?? gatewayReply('INTERNAL_ERROR'), current)
    return RESPONSE_ALREADY_SENT
  }
}
