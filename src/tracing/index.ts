import type { TracingHooks } from '../app.ts'
import type { Config } from '../config/types.ts'
import type { TracingSetup } from './runtime.ts'
import { passthroughTracing, spanTracing } from './stage.ts'

export { activeTracing, type TracingSetup } from './runtime.ts'
export { passthroughTracing, spanTracing } from './stage.ts'

/** How long a shutdown waits for buffered spans to be exported before giving up. */
export const FLUSH_TIMEOUT_MS = 5_000

/**
 * The tracing hooks for a gateway: spans when an SDK with an exporter is set up, else the
 * pass-through that makes no spans (docs/architecture.md, "Tracing").
 *
 * @example
 * startGateway(config, { logger, tracing: createTracingHooks(config, activeTracing()) })
 */
export function createTracingHooks(config: Config, setup: TracingSetup | undefined): TracingHooks {
  if (!setup) return passthroughTracing()
  return spanTracing({
    tracerProvider: setup.tracerProvider,
    propagator: setup.propagator,
    logPaths: config.logPaths,
  })
}

/**
 * Exports the spans still buffered, waiting at most {@link FLUSH_TIMEOUT_MS}: an unreachable
 * collector must not hold up the exit beyond the pod's grace period. The last step of shutdown.
 */
export async function flushTracing(setup: TracingSetup | undefined): Promise<void> {
  if (!setup) return
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, FLUSH_TIMEOUT_MS)
  })
  await Promise.race([setup.forceFlush().catch(() => {}), timeout])
  clearTimeout(timer)
}
