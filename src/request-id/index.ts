import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { GatewayEnv } from '../exchange/stage.ts'

const WELL_FORMED = /^[A-Za-z0-9._-]{1,128}$/

/**
 * Keeps a well-formed incoming id (docs/architecture.md, "Decisions for operators"), else makes
 * one. Pure.
 */
export function chooseRequestId(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && WELL_FORMED.test(incoming) ? incoming : randomUUID()
}

/**
 * Gives every request an `X-Request-Id`: sent upstream (by the upstream stage), returned to the
 * client (by the responder, with the gateway's other headers), and written in every log line.
 */
export function requestIdStage(): MiddlewareHandler<GatewayEnv> {
  return async function requestId(c, next) {
    c.get('exchange').requestId = chooseRequestId(c.env.incoming.headers['x-request-id'])
    await next()
  }
}
