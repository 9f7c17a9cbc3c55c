import { propagation, ProxyTracerProvider, trace, type TracerProvider } from '@opentelemetry/api'
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources'
import { NodeSDK } from '@opentelemetry/sdk-node'
import pkg from '../../package.json' with { type: 'json' }
import type { TracingSetup } from './runtime.ts'

type Flushable = TracerProvider & { forceFlush(): Promise<void> }

function isFlushable(provider: TracerProvider): provider is Flushable {
  return typeof (provider as Partial<Flushable>).forceFlush === 'function'
}

/**
 * Starts the OpenTelemetry Node SDK from the standard `OTEL_*` variables, for traces only:
 * - the span exporter, sampler, batch processor, propagators and resource come from the SDK's
 *   own reading of the environment (OTLP over HTTP/protobuf by default);
 * - `service.name` defaults to `drive-gateway` (`OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES`
 *   win), `service.version` is the package version, and the default detectors add host, OS,
 *   process and `service.instance.id` attributes;
 * - no metric readers and no log processors, whatever `OTEL_METRICS_EXPORTER` or
 *   `OTEL_LOGS_EXPORTER` say: prom-client serves the metrics (DESIGN §5) and logs are JSON lines;
 * - no instrumentations: the gateway makes its own SERVER and CLIENT spans, so automatic
 *   `http`/`undici` instrumentation would only double them.
 *
 * Call it only when {@link tracingEnabled} says an exporter is configured. Returns `undefined`
 * when the SDK made no tracer provider (e.g. `OTEL_SDK_DISABLED`).
 */
export function startTracingSdk(): TracingSetup | undefined {
  const sdk = new NodeSDK({
    resource: defaultResource().merge(
      resourceFromAttributes({ 'service.name': 'drive-gateway', 'service.version': pkg.version })
    ),
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
