import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { findHeader } from '../http/headers.ts'
import type { GatewayEnv } from '../exchange/stage.ts'

const WELL_FORMED = /^[A-Za-z0-9._-]{1,128}$/

/** Keeps a well-formed incoming id (DESIGN §9), else makes one. Pure. */
export function chooseRequestId(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && WELL_FORMED.test(incoming) ? incoming : randomUUID()
}

/**
 * Gives every request an `X-Request-Id`: sent upstream (by the upstream stage), returned to the
 * client, and written in every log line.
 */
export function requestIdStage(): MiddlewareHandler<GatewayEnv> {
  return async function requestId(c, next) {
    const exchange = c.var.exchange
    exchange.requestId = chooseRequestId(c.env.incoming.headers['x-request-id'])
    await next()
    const reply = exchange.reply
    // An upstream that echoes the id we sent already carries it; do not send it twice.
    if (reply && findHeader(reply.rawHeaders, 'x-request-id') !== exchange.requestId) {
      reply.rawHeaders.push('x-request-id', exchange.requestId)
    }
  }
}
