import type { RunningGateway } from '../server.ts'
import type { MetricsPush } from './runtime.ts'

export { activeMetricsPush, type MetricsPush, type MetricsPushSetup } from './runtime.ts'

/**
 * How long a shutdown waits for the final metrics push: an unreachable collector must not hold
 * up the exit beyond the pod's grace period.
 */
export const FINAL_PUSH_TIMEOUT_MS = 5_000

/**
 * Makes a gateway's shutdown push its metrics once more after what it wraps has finished (the
 * drain and the cache close), so the last push counts every drained request.
 */
export function pushMetricsOnShutdown(
  gateway: RunningGateway,
  push: MetricsPush | undefined
): RunningGateway {
  if (!push) return gateway
  return {
    ...gateway,
    async shutdown(drainMs) {
      await gateway.shutdown(drainMs)
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, FINAL_PUSH_TIMEOUT_MS)
      })
      await Promise.race([push.shutdown().catch(() => {}), timeout])
      clearTimeout(timer)
    },
  }
}
