import type { Resource } from '@opentelemetry/resources'
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics'
import type { Registry } from 'prom-client'
import pkg from '../../package.json' with { type: 'json' }
import type { MetricsPushSettings, OtlpProtocol } from './env.ts'
import { createPromMetricProducer } from './prom-producer.ts'
import type { MetricsPush, MetricsPushSetup } from './runtime.ts'

type ExporterClass = new () => PushMetricExporter

// Only the exporter the protocol names is loaded. Each reads its endpoint, headers, timeout,
// compression and TLS files from the standard OTEL_EXPORTER_OTLP_[METRICS_]* variables.
async function exporterClass(protocol: OtlpProtocol): Promise<ExporterClass> {
  switch (protocol) {
    case 'grpc':
      return (await import('@opentelemetry/exporter-metrics-otlp-grpc')).OTLPMetricExporter
    case 'http/json':
      return (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter
    case 'http/protobuf':
      return (await import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter
  }
}

/**
 * The OTLP metrics push (`OTEL_METRICS_EXPORTER=otlp`): the OpenTelemetry SDK's periodic
 * reader and OTLP exporter, fed by a producer that reads a gateway's prom-client registry, so
 * the push carries what `/metrics` serves. The meter provider only binds the reader to the
 * resource: it is never registered globally and has no instruments of its own.
 *
 * Loaded with a dynamic import by `src/tracing/register.ts`, only when the push is configured.
 */
export async function createOtlpMetricsPush(
  settings: MetricsPushSettings,
  resource: Resource
): Promise<MetricsPushSetup> {
  const Exporter = await exporterClass(settings.protocol)
  return {
    start(registry: Registry): MetricsPush {
      const reader = new PeriodicExportingMetricReader({
        exporter: new Exporter(),
        exportIntervalMillis: settings.intervalMs,
        exportTimeoutMillis: settings.timeoutMs,
        metricProducers: [
          createPromMetricProducer({
            registry,
            resource,
            scope: { name: 'drive-gateway', version: pkg.version },
          }),
        ],
      })
      const provider = new MeterProvider({ resource, readers: [reader] })
      return {
        forceFlush: () => provider.forceFlush(),
        // Collects and exports once more, then stops the timer and the exporter.
        shutdown: () => provider.shutdown(),
      }
    },
  }
}
