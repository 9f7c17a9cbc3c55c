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
 * does here": a proxy must keep what a WHATWG Response cannot). It returns node-server's static
 * "already sent" marker, so that Hono sees a finished response and builds no 404 of its own.
 */
export function exchangeStage({
  matchRoute,
  errorCodes,
  onStageError,
}: {
  matchRoute: RouteMatcher
  /** The gateway's one error-code labeler. */
  errorCodes: ErrorCodeLabeler
  /** Told of a failure in an inner stage (for the JSON log); the reply is `INTERNAL_ERROR`. */
  onStageError: (error: unknown, exchange: Exchange) => void
}): MiddlewareHandler<GatewayEnv> {
  return async function exchange(c, next) {
    const { incoming, outgoing } = c.env
    // The method and target as Node received them (Hono is handed a stand-in request).
    const current = new Exchange(
      incoming.method ?? 'GET',
      incoming.url ?? '/',
      errorCodes,
      incoming.headers
    )
    if (!current.invalidTarget) current.route = matchRoute(current.method, current.path)
    c.set('exchange', current)
    try {
      await next()
    } catch (error) {
      // A stage's bug: the reply it left, if any, else INTERNAL_ERROR; the failure is logged.
      current.gatewayError ??= error instanceof Error ? error : new Error(String(error))
      onStageError(error, current)
    }
    sendReply(outgoing, current.reply ?? gatewayReply('INTERNAL_ERROR'), current)
    return RESPONSE_ALREADY_SENT
  }
}
