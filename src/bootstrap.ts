import { createCache, createStore, type Cache } from './cache/index.ts'
import type { Config } from './config/types.ts'
import type { Logger } from './logging/logger.ts'
import { createMetricsRegistry } from './metrics/registry.ts'
import { upstreamMetricsObserver } from './metrics/stage.ts'
import { createDispatcher, createForward } from './proxy/index.ts'
import { startGateway, type RunningGateway } from './server.ts'
import { activeMetricsPush, finalMetricsPush, type MetricsPushSetup } from './telemetry/index.ts'
import {
  activeTracing,
  createTracingHooks,
  flushTracing,
  type TracingSetup,
} from './tracing/index.ts'

// How long start-up waits for the cache store; one that is not there does not stop the gateway.
const STORE_READY_MS = 2_000

/**
 * Starts a gateway with everything its config asks for, in one explicit order, and returns it
 * with the matching shutdown sequence. `main.ts` and the tests both start gateways through here,
 * so a test exercises what production runs. Tracing is the SDK `src/tracing/register.ts`
 * started (none: no spans), and so is the OTLP metrics push (none: `/metrics` only), unless a
 * test passes its own.
 *
 * Start-up: metrics, tracing hooks, the upstream client (one dispatcher, one `forward` with the
 * metrics and tracing observers), the cache (waiting a bounded time for its store), listeners,
 * the metrics push. Shutdown: drain the listeners, close the cache and the upstream pools, push
 * the metrics a last time, flush traces.
 */
export async function startFromConfig(
  config: Config,
  {
    logger,
    tracing = activeTracing(),
    metricsPush = activeMetricsPush(),
  }: { logger: Logger; tracing?: TracingSetup; metricsPush?: MetricsPushSetup }
): Promise<RunningGateway> {
  const metrics = createMetricsRegistry()
  const tracingHooks = createTracingHooks(config, tracing)
  const dispatcher = createDispatcher(config)
  const forward = createForward({
    dispatcher,
    upstreams: config.upstreams,
    headersTimeoutMs: config.upstreamTimeoutMs,
    bodyTimeoutMs: config.upstreamBodyTimeoutMs,
    retries: config.upstreamRetries,
    observers: [upstreamMetricsObserver(metrics.metrics), tracingHooks.upstreamObserver].filter(
      (observer) => observer !== undefined
    ),
  })
  let cache: Cache | undefined
  if (config.cache.enabled) {
    const { cacheStoreUp, cacheStoreErrors } = metrics.metrics
    cache = createCache(config, {
      store: await createStore(config),
      forward,
      logger,
      health: {
        onUp: (up) => cacheStoreUp.set(up ? 1 : 0),
        onError: (operation) => cacheStoreErrors.inc({ operation }),
      },
    })
  } else {
    // Without a cache there is no store to be up or down: no gauge, rather than a 0 that pages.
    metrics.registry.removeSingleMetric('drive_gateway_cache_store_up')
  }
  await cache?.ready(STORE_READY_MS)

  const closeClients = async () => {
    await cache?.close()
    await dispatcher.close().catch(() => dispatcher.destroy())
  }
  let gateway: RunningGateway
  try {
    gateway = await startGateway(config, {
      logger,
      metrics,
      forward,
      tracing: tracingHooks,
      cache: cache?.hooks,
    })
  } catch (error) {
    await closeClients()
    throw error
  }
  const push = metricsPush?.start(metrics.registry)
  let stopping: Promise<void> | undefined
  return {
    ...gateway,
    shutdown(drainMs) {
      stopping ??= (async () => {
        await gateway.shutdown(drainMs)
        await closeClients()
        await finalMetricsPush(push)
        await flushTracing(tracing)
      })()
      return stopping
    },
  }
}
