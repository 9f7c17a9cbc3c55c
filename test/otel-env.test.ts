import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../src/config/errors.ts'
import { readTelemetryEnv } from '../src/telemetry/env.ts'
import { runGatewayToExit, spawnGateway } from './helpers/gateway.ts'
import { startUpstream, type Upstream } from './helpers/tracing/upstream.ts'

// Issue 11.3: each signal is on only when named, a bad exporter or protocol stops start-up with
// one line, and any other OTEL_* variable that does nothing here is said once.

describe('readTelemetryEnv: which signals are on', () => {
  it.each([
    [{}, false, undefined],
    [{ OTEL_METRICS_EXPORTER: 'otlp' }, false, { protocol: 'http/protobuf', intervalMs: 60_000, timeoutMs: 30_000 }], // prettier-ignore
    [{ OTEL_METRICS_EXPORTER: 'none' }, false, undefined],
    // The general endpoint names traces too, unless their exporter is `none`.
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, true, expect.any(Object)], // prettier-ignore
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }, false, expect.any(Object)], // prettier-ignore
    // A metrics endpoint alone pushes nothing: the exporter must be named.
    [{ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://c:4318/v1/metrics' }, false, undefined],
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }, false, undefined],
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '1000' }, false, { protocol: 'http/protobuf', intervalMs: 1000, timeoutMs: 1000 }], // prettier-ignore
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '5000', OTEL_METRIC_EXPORT_TIMEOUT: '2000' }, false, { protocol: 'http/protobuf', intervalMs: 5000, timeoutMs: 2000 }], // prettier-ignore
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json' }, false, expect.objectContaining({ protocol: 'http/json' })], // prettier-ignore
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, false, expect.objectContaining({ protocol: 'grpc' })], // prettier-ignore
  ])('%o → traces %s, metrics %o', (env, traces, metrics) => {
    const read = readTelemetryEnv(env)
    expect(read.traces).toBe(traces)
    expect(read.metrics).toEqual(metrics)
  })
})

describe('readTelemetryEnv: bad values stop start-up', () => {
  it.each([
    [{ OTEL_METRICS_EXPORTER: 'prometheus' }, 'OTEL_METRICS_EXPORTER="prometheus": expected otlp or none (Prometheus scrapes /metrics on the admin port)'], // prettier-ignore
    [
      { OTEL_METRICS_EXPORTER: 'console' },
      'OTEL_METRICS_EXPORTER="console": expected otlp or none',
    ],
    [{ OTEL_METRICS_EXPORTER: 'otlp,none' }, 'OTEL_METRICS_EXPORTER="otlp,none"'],
    [{ OTEL_LOGS_EXPORTER: 'loki' }, 'OTEL_LOGS_EXPORTER="loki": expected otlp, console or none'],
    [{ OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http' }, 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL="http": expected http/protobuf, http/json or grpc'], // prettier-ignore
    [{ OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'proto' }, 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL="proto"'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'HTTP/PROTOBUF' }, 'OTEL_EXPORTER_OTLP_PROTOCOL="HTTP/PROTOBUF"'], // prettier-ignore
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '60s' }, 'OTEL_METRIC_EXPORT_INTERVAL="60s": expected a whole number of milliseconds from 1 to 2147483647'], // prettier-ignore
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '99999999999' }, 'OTEL_METRIC_EXPORT_INTERVAL="99999999999": expected a whole number of milliseconds from 1 to 2147483647'], // prettier-ignore
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_TIMEOUT: '2147483648' }, 'OTEL_METRIC_EXPORT_TIMEOUT="2147483648": expected a whole number of milliseconds from 1 to 2147483647'], // prettier-ignore
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_TIMEOUT: '0' }, 'OTEL_METRIC_EXPORT_TIMEOUT="0"'], // prettier-ignore
    // A typo is a typo whether or not the SDK is switched off.
    [{ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'jaegr' }, 'OTEL_TRACES_EXPORTER="jaegr"'],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_METRICS_EXPORTER: 'prometheus' }, 'OTEL_METRICS_EXPORTER="prometheus"'], // prettier-ignore
  ])('%o', (env, message) => {
    expect(() => readTelemetryEnv(env)).toThrow(ConfigError)
    expect(() => readTelemetryEnv(env)).toThrow(message)
  })
})

describe('readTelemetryEnv: ignored variables', () => {
  const names = (env: Record<string, string>) => readTelemetryEnv(env).ignored.map((i) => i.name)

  it('lists what is unsupported or for a signal that is off, once each, sorted', () => {
    expect(
      names({
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_FOO: 'x',
        OTEL_BLRP_SCHEDULE_DELAY: '100',
        OTEL_TRACES_SAMPLER: 'always_on',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=secret',
        OTEL_EXPORTER_PROMETHEUS_PORT: '9464',
        PATH_NOT_OTEL: 'x',
      })
    ).toEqual([
      'OTEL_BLRP_SCHEDULE_DELAY',
      'OTEL_EXPORTER_OTLP_HEADERS',
      'OTEL_EXPORTER_PROMETHEUS_PORT',
      'OTEL_FOO',
      'OTEL_LOGS_EXPORTER',
      'OTEL_METRIC_EXPORT_INTERVAL',
      'OTEL_TRACES_SAMPLER',
    ])
  })

  it('says nothing of what the running signals use', () => {
    expect(
      names({
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_SERVICE_NAME: 'gw',
        OTEL_RESOURCE_ATTRIBUTES: 'a=b',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
        OTEL_BSP_SCHEDULE_DELAY: '1000',
        OTEL_PROPAGATORS: 'tracecontext',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_METRIC_EXPORT_TIMEOUT: '500',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=secret',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://c:4318/v1/metrics',
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '1000',
        OTEL_LOG_LEVEL: 'error',
      })
    ).toEqual([])
  })

  it('gives the reason', () => {
    const env = {
      OTEL_SDK_DISABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
    }
    expect(readTelemetryEnv(env).ignored).toEqual([
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', reason: 'OTEL_SDK_DISABLED=true' },
    ])
    expect(readTelemetryEnv({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta' }).ignored).toEqual([ { name: 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', reason: 'the push is cumulative, as prom-client counts (delta is not supported)' } ]) // prettier-ignore
  })
})

describe('the gateway process', () => {
  let upstream: Upstream
  beforeAll(async () => {
    upstream = await startUpstream()
  })
  afterAll(() => upstream?.close())

  it.each([
    [{ OTEL_METRICS_EXPORTER: 'prometheus' }, 'drive-gateway: OTEL_METRICS_EXPORTER="prometheus": expected otlp or none (Prometheus scrapes /metrics on the admin port)\n'], // prettier-ignore
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http' }, 'drive-gateway: OTEL_EXPORTER_OTLP_PROTOCOL="http": expected http/protobuf, http/json or grpc\n'], // prettier-ignore
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'json' }, 'drive-gateway: OTEL_EXPORTER_OTLP_METRICS_PROTOCOL="json": expected http/protobuf, http/json or grpc\n'], // prettier-ignore
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '-1' }, 'drive-gateway: OTEL_METRIC_EXPORT_INTERVAL="-1": expected a whole number of milliseconds from 1 to 2147483647\n'], // prettier-ignore
    [{ OTEL_METRICS_EXPORTER: 'otlp', OTEL_NODE_RESOURCE_DETECTORS: 'env,gcp' }, 'drive-gateway: OTEL_NODE_RESOURCE_DETECTORS="env,gcp": expected a list of serviceinstance, process, host, os, env, or all or none\n'], // prettier-ignore
  ])('%o stops start-up with one line and exit code 2', async (env, line) => {
    const { code, stdout, stderr } = await runGatewayToExit({ UPSTREAM_URL: upstream.url, ...env })
    expect(code).toBe(2)
    expect(stderr).toBe(line)
    expect(stdout).toBe('')
  })

  it('warns once per ignored variable, without its value, and starts', async () => {
    const gw = await spawnGateway({
      UPSTREAM_URL: upstream.url,
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer s3cret',
      OTEL_SOMETHING_NEW: 'x',
    })
    try {
      const res = await fetch(`${gw.url}/files/abc`)
      expect(res.status).toBe(200)
      await res.arrayBuffer()
      expect(await gw.stop('SIGTERM')).toBe(0)
    } finally {
      await gw.stop('SIGKILL')
    }
    expect(gw.stderr.join('')).toBe(
      [
        'drive-gateway: warning: OTEL_EXPORTER_OTLP_HEADERS is ignored: no signal is exported',
        'drive-gateway: warning: OTEL_LOGS_EXPORTER is ignored: logs are JSON lines on stdout',
        'drive-gateway: warning: OTEL_SOMETHING_NEW is ignored: not supported',
        '',
      ].join('\n')
    )
  })
})
