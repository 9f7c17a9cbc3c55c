import type { MiddlewareHandler } from 'hono'
import type { Exchange } from '../exchange/exchange.ts'
import type { GatewayEnv } from '../exchange/stage.ts'
import type { ExchangeOutcome } from '../exchange/types.ts'
import { type ErrorCodeLabeler, methodLabel, routeLabel } from '../labels/index.ts'
import type { UpstreamObserver } from '../proxy/observer.ts'
import type { GatewayMetrics } from './definitions.ts'

export interface MetricsStageOptions {
  readonly metrics: GatewayMetrics
  readonly errorCodes: ErrorCodeLabeler
  /** Trace context for exemplars, when tracing is on. */
  readonly exemplarOf?: (exchange: Exchange) => Record<string, string> | undefined
}

/** The response labels of DESIGN §4.2, for one finished exchange. Pure but for the code cap. */
export function responseLabels(
  exchange: Exchange,
  outcome: ExchangeOutcome,
  errorCodes: ErrorCodeLabeler
) {
  return {
    http_request_method: methodLabel(exchange.method),
    http_route: routeLabel(exchange.route),
    http_response_status_code: String(outcome.status),
    drive_error_code: outcome.errorCode
      ? errorCodes.label(outcome.errorCode, { fromGateway: outcome.fromGateway })
      : '',
    drive_cache_status: exchange.cacheStatus,
  }
}

/**
 * Counts every response however it ended, once its body is finished or abandoned, so a cache
 * hit, a gateway error and a client that left are all labelled.
 */
export function metricsStage({
  metrics,
  errorCodes,
  exemplarOf,
}: MetricsStageOptions): MiddlewareHandler<GatewayEnv> {
  return async function recordMetrics(c, next) {
    const exchange = c.var.exchange
    metrics.activeRequests.inc()
    exchange.onDone((outcome) => {
      metrics.activeRequests.dec()
      const labels = responseLabels(exchange, outcome, errorCodes)
      const exemplarLabels = exemplarOf?.(exchange)
      if (exemplarLabels) {
        metrics.responses.inc({ labels, value: 1, exemplarLabels })
      } else {
        metrics.responses.inc(labels)
      }
      const { drive_error_code: _code, ...durationLabels } = labels
      if (exemplarLabels) {
        metrics.serverDuration.observe({
          labels: durationLabels,
          value: outcome.durationSeconds,
          exemplarLabels,
        })
      } else {
        metrics.serverDuration.observe(durationLabels, outcome.durationSeconds)
      }
      if (outcome.abortedBy) {
        metrics.abortedResponses.inc({ http_route: labels.http_route, side: outcome.abortedBy })
      }
    })
    await next()
  }
}

/** Times each upstream call until its response headers (or failure) for the client histogram. */
export function upstreamMetricsObserver(metrics: GatewayMetrics): UpstreamObserver {
  return {
    start(exchange, { upstream, method }) {
      const startedAt = performance.now()
      return ({ status }) => {
        metrics.clientDuration.observe(
          {
            http_request_method: methodLabel(method),
            http_route: routeLabel(exchange.route),
            http_response_status_code: status === undefined ? '' : String(status),
            server_address: upstream.address,
          },
          (performance.now() - startedAt) / 1000
        )
      }
    },
  }
}
