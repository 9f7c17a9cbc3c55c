import type { MiddlewareHandler } from 'hono'
import type { DoneListener, Exchange } from '../exchange/exchange.ts'
import type { GatewayEnv } from '../exchange/stage.ts'
import { methodLabel, routeLabel } from '../labels/index.ts'
import type { UpstreamObserver } from '../proxy/observer.ts'
import type { GatewayMetrics } from './definitions.ts'

export interface MetricsStageOptions {
  readonly metrics: GatewayMetrics
  /** Trace context for exemplars, when tracing is on. */
  readonly exemplarOf?: (exchange: Exchange) => Record<string, string> | undefined
}

/**
 * Counts every response however it ended, once its body is finished or abandoned, so a cache
 * hit, a gateway error and a client that left are all labelled. The labels are the exchange's
 * own, computed once when it finished.
 */
export function metricsStage({
  metrics,
  exemplarOf,
}: MetricsStageOptions): MiddlewareHandler<GatewayEnv> {
  // One listener for every exchange (it is handed the exchange), not a closure per request.
  const record: DoneListener = (outcome, labels, exchange) => {
    metrics.activeRequests.dec()
    // No exemplar when the request has no sampled trace. The histogram reads only its own labels
    // (all but drive_error_code) from the same object.
    const exemplarLabels = exemplarOf?.(exchange)
    metrics.responses.inc(labels, exemplarLabels)
    metrics.serverDuration.observe(labels, outcome.durationSeconds, exemplarLabels)
    if (outcome.abortedBy) {
      metrics.abortedResponses.inc({ http_route: labels.http_route, side: outcome.abortedBy })
    }
  }
  return async function recordMetrics(c, next) {
    metrics.activeRequests.inc()
    c.get('exchange').onDone(record)
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
