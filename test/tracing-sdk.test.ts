import { metrics, propagation, SpanKind } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pkg from '../package.json' with { type: 'json' }
import type { TracingSetup } from '../src/tracing/runtime.ts'
import { startTracingSdk } from '../src/tracing/sdk.ts'
import { eventually } from './helpers/tracing/in-memory.ts'
import { startOtlpReceiver, type OtlpReceiver } from './helpers/tracing/otlp-receiver.ts'

// The SDK set-up of src/tracing/sdk.ts, started in this worker (each test file has its own
// process, so the globals it registers stay here), from the standard OTEL_* variables.

let receiver: OtlpReceiver
let setup: TracingSetup | undefined

beforeAll(async () => {
  receiver = await startOtlpReceiver()
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: 'drive-gateway-canary',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
    // Asked for explicitly, and still not set up: prom-client owns the metrics
    // (docs/architecture.md, "Metrics").
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
  })
  setup = startTracingSdk()
})
afterAll(() => receiver?.close())

describe('startTracingSdk', () => {
  it('makes a tracer provider and the W3C trace context and baggage propagators', () => {
    expect(setup).toBeDefined()
    expect(propagation.fields()).toEqual(['traceparent', 'tracestate', 'baggage'])
  })

  it('registers no meter provider, whatever OTEL_METRICS_EXPORTER says', () => {
    const counter = metrics.getMeterProvider().getMeter('probe').createCounter('probe')
    // The API's no-op instruments are all one class; an SDK meter would make its own.
    const noop = metrics.getMeterProvider().getMeter('other').createCounter('other')
    expect(counter.constructor.name).toMatch(/^Noop/)
    expect(counter.constructor).toBe(noop.constructor)
  })

  it('exports over OTLP/HTTP protobuf, with the service named by the environment', async () => {
    const tracer = setup!.tracerProvider.getTracer('probe')
    tracer.startSpan('probe', { kind: SpanKind.INTERNAL }).end()
    await setup!.forceFlush()
    const [span] = await eventually(() => (receiver.spans.length ? receiver.spans : undefined))
    expect(span!.name).toBe('probe')
    expect(span!.resource).toMatchObject({
      'service.name': 'drive-gateway-canary',
      'service.version': pkg.version,
      'deployment.environment.name': 'test',
    })
    expect(receiver.requests).toEqual(['POST /v1/traces application/x-protobuf'])
  })
})
