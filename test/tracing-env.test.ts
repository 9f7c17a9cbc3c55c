import { describe, expect, it } from 'vitest'
import { ConfigError } from '../src/config/errors.ts'
import { tracingEnabled } from '../src/telemetry/traces-env.ts'
import { parseTraceparent, removeHeader } from '../src/tracing/trace-context.ts'

// docs/architecture.md, "Tracing": spans only with an exporter configured; OTEL_SDK_DISABLED
// honoured.
describe('tracingEnabled', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, false],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp, zipkin' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, true],
    // Only the metrics or logs exporter set: still no spans.
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'otlp' }, false],
  ])('%o → %s', (env, expected) => {
    expect(tracingEnabled(env)).toBe(expected)
  })

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, 'OTEL_TRACES_EXPORTER="jaeger"'],
    [{ OTEL_TRACES_EXPORTER: 'none,otlp' }, 'OTEL_TRACES_EXPORTER="none,otlp"'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http' }, 'OTEL_EXPORTER_OTLP_PROTOCOL="http"'],
    [{ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'proto' }, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="proto"'],
  ])('%o is a config error', (env, message) => {
    expect(() => tracingEnabled(env)).toThrow(ConfigError)
    expect(() => tracingEnabled(env)).toThrow(message)
  })
})

describe('parseTraceparent (W3C Trace Context §3.2)', () => {
  const id = '4bf92f3577b34da6a3ce929d0e0e4736'
  const parent = '00f067aa0ba902b7'
  it('reads a valid header', () => {
    expect(parseTraceparent(`00-${id}-${parent}-01`)).toEqual({
      traceId: id,
      parentId: parent,
      sampled: true,
    })
    expect(parseTraceparent(`00-${id}-${parent}-00`)?.sampled).toBe(false)
    // A later version may add fields.
    expect(parseTraceparent(`01-${id}-${parent}-01-extra`)?.traceId).toBe(id)
  })

  it.each([
    [undefined],
    [['a', 'b']],
    [`00-${id}-${parent}-01-extra`],
    [`ff-${id}-${parent}-01`],
    [`00-${'0'.repeat(32)}-${parent}-01`],
    [`00-${id}-${'0'.repeat(16)}-01`],
    [`00-${id.toUpperCase()}-${parent}-01`],
    [`00-${id}-${parent}-01, 00-${id}-${parent}-01`],
  ])('rejects %o', (value) => {
    expect(parseTraceparent(value)).toBeUndefined()
  })
})

it('removeHeader drops every copy, whatever its case, and keeps the rest in order', () => {
  const headers = ['Traceparent', 'a', 'x-one', '1', 'traceparent', 'b', 'x-two', '2']
  removeHeader(headers, 'traceparent')
  expect(headers).toEqual(['x-one', '1', 'x-two', '2'])
})
