import type { Registry } from 'prom-client'

/** A running OTLP metrics push for one gateway's registry. */
export interface MetricsPush {
  /** Collects and exports now. */
  forceFlush(): Promise<void>
  /** The final push: collects and exports once more, then stops. */
  shutdown(): Promise<void>
}

/** What `register.ts` prepares when the push is configured: starts it for a registry. */
export interface MetricsPushSetup {
  start(registry: Registry): MetricsPush
}

// A process-wide slot rather than a module variable: `register.ts` runs from `--import`, and a
// second copy of this module (another URL for the same file) must still see what it set.
const SLOT = Symbol.for('drive-gateway.metrics-push')
type Slot = { [SLOT]?: MetricsPushSetup }

/** Records the push that `register.ts` prepared, for `startFromConfig`. */
export function setActiveMetricsPush(setup: MetricsPushSetup | undefined): void {
  ;(globalThis as Slot)[SLOT] = setup
}

/** The push prepared for this process, or `undefined` without `OTEL_METRICS_EXPORTER=otlp`. */
export function activeMetricsPush(): MetricsPushSetup | undefined {
  return (globalThis as Slot)[SLOT]
}
