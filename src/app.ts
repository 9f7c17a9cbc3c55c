import { Hono, type MiddlewareHandler } from 'hono'
import { createAdminApp } from './admin/index.ts'
import type { Config } from './config/types.ts'
import type { Exchange } from './exchange/exchange.ts'
import { chainStages } from './exchange/chain.ts'
import { exchangeStage, type GatewayEnv } from './exchange/stage.ts'
import { ErrorCodeLabeler } from './labels/index.ts'
import type { Readiness } from './lifecycle/readiness.ts'
import { accessLogStage } from './logging/access-log.ts'
import type { Logger } from './logging/logger.ts'
import type { MetricsRegistry } from './metrics/registry.ts'
import { metricsStage } from './metrics/stage.ts'
import { upstreamStage, type Forward, type UpstreamObserver } from './proxy/index.ts'
import { requestIdStage } from './request-id/index.ts'
import { createRouteMatcher } from './routes/match.ts'

/** What tracing plugs in: its stage, its client-span observer, and ids for logs and exemplars. */
export interface TracingHooks {
  /** None when tracing makes no spans: a stage that does nothing still costs every request. */
  readonly stage?: MiddlewareHandler<GatewayEnv>
  /** None when tracing makes no spans. */
  readonly upstreamObserver?: UpstreamObserver
  readonly traceIdsOf: (exchange: Exchange) => { trace_id?: string; span_id?: string } | undefined
  readonly exemplarOf?: (exchange: Exchange) => Record<string, string> | undefined
}

/** What the cache plugs in: its stage and its admin routes (purge). */
export interface CacheHooks {
  readonly stage: MiddlewareHandler<GatewayEnv>
  readonly mountAdmin?: (admin: Hono) => void
}

export interface AppDeps {
  /** The one upstream client, with metrics and tracing observers attached. */
  readonly forward: Forward
  readonly metrics: MetricsRegistry
  readonly logger: Logger
  readonly readiness: Readiness
  readonly tracing?: TracingHooks
  readonly cache?: CacheHooks
}

/**
 * Builds the proxy and admin apps from a config and injected dependencies, with no I/O and no
 * globals, so a test can start many. The middleware order is the request path of
 * docs/architecture.md, outermost first, so a span and a metric cover a cache hit too.
 */
export function createApp(config: Config, deps: AppDeps) {
  const { metrics, tracing, cache } = deps
  const logStageError = (error: unknown, exchange: Exchange | undefined) =>
    deps.logger.error('stage failed', {
      request_id: exchange?.requestId,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    })
  // Stages that have nothing to do in this configuration are left out (undefined).
  const stages = [
    exchangeStage({
      matchRoute: createRouteMatcher(config.routes),
      // One labeler per gateway: every observer reports the same `drive_error_code`.
      errorCodes: new ErrorCodeLabeler(config.errorCodeLabelCap),
      onStageError: logStageError,
    }),
    requestIdStage(),
    tracing?.stage,
    metricsStage({ metrics: metrics.metrics, exemplarOf: tracing?.exemplarOf }),
    accessLogStage({
      logger: deps.logger,
      logPaths: config.logPaths,
      traceIdsOf: tracing?.traceIdsOf,
    }),
    cache?.stage,
    upstreamStage({ forward: deps.forward, maxRequestBytes: config.maxRequestBytes }),
  ].filter((stage) => stage !== undefined)
  // Every request takes the same chain (routes are matched by the exchange stage), so Hono needs
  // no path: a constant one spares parsing the URL on every request.
  const proxy = new Hono<GatewayEnv>({ getPath: () => '/' })
  proxy.use(chainStages(stages))
  // The exchange stage answers for the stages inside it; this is for a bug in itself.
  proxy.onError((error, c) => {
    logStageError(error, c.get('exchange'))
    return c.body(null, 500)
  })

  const admin = createAdminApp({
    readiness: deps.readiness,
    renderMetrics: (accept) => metrics.render(accept),
    extend: cache?.mountAdmin,
  })
  return { proxy, admin }
}
