import { propagation, ProxyTracerProvider, trace, type TracerProvider } from '@opentelemetry/api'
import type { Resource } from '@opentelemetry/resources'
import { NodeSDK } from '@opentelemetry/sdk-node'
import { telemetryResource } from '../telemetry/resource.ts'
import type { TracingSetup } from './runtime.ts'

type Flushable = TracerProvider & { forceFlush(): Promise<void> }

function isFlushable(provider: TracerProvider): provider is Flushable {
  return typeof (provider as Partial<Flushable>).forceFlush === 'function'
}

/**
 * Starts the OpenTelemetry Node SDK from the standard `OTEL_*` variables, for traces only:
 * - the span exporter, sampler, batch processor and propagators come from the SDK's own reading
 *   of the environment (OTLP over HTTP/protobuf by default);
 * - the resource is the one the metrics push shares (`telemetryResource`): `service.name`
 *   defaults to `drive-gateway`, `service.version` is the package version, and the detectors
 *   add host, OS, process and `service.instance.id` attributes;
 * - no metric readers and no log processors, whatever `OTEL_METRICS_EXPORTER` or
 *   `OTEL_LOGS_EXPORTER` say: prom-client owns the metrics (its OTLP push is
 *   `src/telemetry/otlp-push.ts`) and logs are JSON lines;
 * - no instrumentations: the gateway makes its own SERVER and CLIENT spans, so automatic
 *   `http`/`undici` instrumentation would only double them.
 *
 * Call it only when {@link tracingEnabled} says an exporter is configured. Returns `undefined`
 * when the SDK made no tracer provider (e.g. `OTEL_SDK_DISABLED`).
 */
export function startTracingSdk(
  resource: Resource = telemetryResource(process.env)
): TracingSetup | undefined {
  const sdk = new NodeSDK({
    resource,
    // Detected once, in `telemetryResource`, so spans and metrics name the same instance.
    autoDetectResources: false,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  })
  sdk.start()
  const global = trace.getTracerProvider()
  const provider = global instanceof ProxyTracerProvider ? global.getDelegate() : global
  if (!isFlushable(provider)) return undefined
  return {
    tracerProvider: provider,
    // The global API delegates to what OTEL_PROPAGATORS chose (W3C trace context and baggage
    // by default).
    propagator: {
      inject: (context, carrier, setter) => propagation.inject(context, carrier, setter),
      extract: (context, carrier, getter) => propagation.extract(context, carrier, getter),
      fields: () => propagation.fields(),
    },
    forceFlush: () => provider.forceFlush(),
  }
}
