import type { MiddlewareHandler } from 'hono'
import type { DoneListener, Exchange } from '../exchange/exchange.ts'
import type { GatewayEnv } from '../exchange/stage.ts'
import { routeLabel } from '../labels/index.ts'
import type { Logger } from './logger.ts'

export interface AccessLogOptions {
  readonly logger: Logger
  /** `full` logs the raw path (resource keys decode to owner ids); `template` logs the route. */
  readonly logPaths: 'template' | 'full'
  /** The trace and span ids to log, when tracing knows them (or the incoming trace id). */
  readonly traceIdsOf?: (exchange: Exchange) => { trace_id?: string; span_id?: string } | undefined
}

/** The transport error behind a gateway-made reply (`connect ECONNREFUSED …`), for operators. */
function transportCause(error: Error | undefined): string | undefined {
  const cause = error?.cause
  if (cause === undefined) return undefined
  return cause instanceof Error ? cause.message : String(cause)
}

/**
 * One access-log line per request, written when its response has ended. None at LOG_LEVEL=warn
 * or above: then there is no stage at all, since even an empty one costs every request.
 */
export function accessLogStage({
  logger,
  logPaths,
  traceIdsOf,
}: AccessLogOptions): MiddlewareHandler<GatewayEnv> | undefined {
  if (!logger.enabled('info')) return undefined
  // One listener for every exchange (it is handed the exchange), not a closure per request.
  const write: DoneListener = (outcome, _labels, exchange) =>
    logger.info('request', {
      request_id: exchange.requestId,
      method: exchange.method,
      route: routeLabel(exchange.route),
      ...(logPaths === 'full' && { path: exchange.path }),
      status: outcome.status,
      error_code: outcome.errorCode || undefined,
      cache_status: exchange.cacheStatus,
      duration_ms: Math.round(outcome.durationSeconds * 1e6) / 1e3,
      aborted_by: outcome.abortedBy,
      upstream_error: transportCause(exchange.gatewayError),
      ...traceIdsOf?.(exchange),
    })
  return async function accessLog(c, next) {
    c.get('exchange').onDone(write)
    await next()
  }
}
