import type { TextMapPropagator, TracerProvider } from '@opentelemetry/api'

/**
 * What the gateway needs from a started tracing SDK: a provider, the propagator chosen by
 * `OTEL_PROPAGATORS`, and a way to export what is buffered. Tests build one around an in-memory
 * exporter; `register.ts` builds one from the OpenTelemetry Node SDK.
 */
export interface TracingSetup {
  readonly tracerProvider: TracerProvider
  readonly propagator: TextMapPropagator
  /** Exports the spans still buffered; called when a gateway shuts down. */
  forceFlush(): Promise<void>
}

// A process-wide slot rather than a module variable: `register.ts` runs from `--import`, and a
// second copy of this module (another URL for the same file) must still see what it started.
const SLOT = Symbol.for('drive-gateway.tracing')
type Slot = { [SLOT]?: TracingSetup }

/** Records the SDK that `register.ts` started, for `startFromConfig`. */
export function setActiveTracing(setup: TracingSetup | undefined): void {
  ;(globalThis as Slot)[SLOT] = setup
}

/** The SDK started for this process, or `undefined` when no exporter is configured. */
export function activeTracing(): TracingSetup | undefined {
  return (globalThis as Slot)[SLOT]
}
