import { createCache } from './cache/index.ts'
import type { Config } from './config/types.ts'
import type { Logger } from './logging/logger.ts'
import { createMetricsRegistry } from './metrics/registry.ts'
import { startGateway, type RunningGateway } from './server.ts'
import {
  activeMetricsPush,
  pushMetricsOnShutdown,
  type MetricsPushSetup,
} from './telemetry/index.ts'
import {
  activeTracing,
  createTracingHooks,
  flushTracingOnShutdown,
  type TracingSetup,
} from './tracing/index.ts'

// How long start-up waits for the cache store; one that is not there does not stop the gateway.
const STORE_READY_MS = 1_000

/**
 * Starts a gateway with everything its config asks for (cache store, tracing, metrics push). `main.ts` and the
 * tests both start gateways through here, so a test exercises what production runs. Tracing is
 * the SDK `src/tracing/register.ts` started (none: no spans), and so is the OTLP metrics push
 * (none: `/metrics` only), unless a test passes its own.
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
  const cache = config.cache.enabled
    ? createCache(config, { metrics: metrics.metrics, logger })
    : undefined
  // Without a cache there is no store to be up or down: no gauge, rather than a 0 that pages.
  if (!cache) metrics.registry.removeSingleMetric('drive_gateway_cache_store_up')
  await cache?.ready(STORE_READY_MS)
  let gateway: RunningGateway
  try {
    gateway = await startGateway(config, {
      logger,
      metrics,
      tracing: createTracingHooks(config, tracing),
      cache: cache?.hooks,
    })
  } catch (error) {
    await cache?.close()
    throw error
  }
  // Shutdown order: drain, close the cache, push the metrics a last time, flush the spans.
  const push = metricsPush?.start(metrics.registry)
  return flushTracingOnShutdown(pushMetricsOnShutdown(withCache(gateway, cache), push), tracing)
}

/** Closes the cache store after the gateway has drained. */
function withCache(
  gateway: RunningGateway,
  cache: { close(): Promise<void> } | undefined
): RunningGateway {
  if (!cache) return gateway
  return {
    ...gateway,
    async shutdown(drainMs) {
      await gateway.shutdown(drainMs)
      await cache.close()
    },
  }
}
