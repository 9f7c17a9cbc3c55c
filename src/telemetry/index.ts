import type { MetricsPush } from './runtime.ts'

export { activeMetricsPush, type MetricsPush, type MetricsPushSetup } from './runtime.ts'

/**
 * How long a shutdown waits for the final metrics push: an unreachable collector must not hold
 * up the exit beyond the pod's grace period.
 */
export const FINAL_PUSH_TIMEOUT_MS = 5_000

/**
 * Pushes the metrics a last time, once the drain and the cache close have finished (so the last
 * push counts every drained request), waiting at most {@link FINAL_PUSH_TIMEOUT_MS}.
 */
export async function finalMetricsPush(push: MetricsPush | undefined): Promise<void> {
  if (!push) return
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, FINAL_PUSH_TIMEOUT_MS)
  })
  await Promise.race([push.shutdown().catch(() => {}), timeout])
  clearTimeout(timer)
}
