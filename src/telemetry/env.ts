import { ConfigError } from '../config/errors.ts'
import { MAX_TIMER_MS } from '../config/parse.ts'
import { tracingEnabled } from './traces-env.ts'

type Env = Readonly<Record<string, string | undefined>>

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc'

/** How the OTLP metrics push runs (the endpoint and headers the exporter reads itself). */
export interface MetricsPushSettings {
  /** `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`. */
  readonly protocol: OtlpProtocol
  /** `OTEL_METRIC_EXPORT_INTERVAL`. */
  readonly intervalMs: number
  /** `OTEL_METRIC_EXPORT_TIMEOUT`, at most the interval. */
  readonly timeoutMs: number
}

/** What the `OTEL_*` variables switch on, and those set that do nothing here. */
export interface TelemetryEnv {
  readonly traces: boolean
  /** Set only with `OTEL_METRICS_EXPORTER=otlp`. */
  readonly metrics: MetricsPushSettings | undefined
  /** Each set variable the gateway ignores, with why, for one warning apiece at start-up. */
  readonly ignored: readonly { readonly name: string; readonly reason: string }[]
}

// The OpenTelemetry specification's defaults (sdk-environment-variables.md, "Periodic exporting
// MetricReader").
const DEFAULT_INTERVAL_MS = 60_000
const DEFAULT_TIMEOUT_MS = 30_000

const PROTOCOLS = new Set(['http/protobuf', 'http/json', 'grpc'])
const PROTOCOL_VARIABLES = [
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
  'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL',
]
// The OTLP exporter settings the SDK reads, in general form and per signal.
const OTLP_SETTINGS = [
  'ENDPOINT',
  'HEADERS',
  'PROTOCOL',
  'TIMEOUT',
  'COMPRESSION',
  'CERTIFICATE',
  'CLIENT_KEY',
  'CLIENT_CERTIFICATE',
  'INSECURE',
]

// What each signal's SDK part reads from the environment (the Node SDK and its trace, metric
// and OTLP exporter packages). Anything else set under OTEL_ has no effect here.
const FOR_ANY = new Set([
  'OTEL_SDK_DISABLED',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_NODE_RESOURCE_DETECTORS',
  'OTEL_LOG_LEVEL',
  'OTEL_TRACES_EXPORTER',
  'OTEL_METRICS_EXPORTER',
  ...OTLP_SETTINGS.map((s) => `OTEL_EXPORTER_OTLP_${s}`),
])
const FOR_TRACES = new Set([
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_PROPAGATORS',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_BSP_EXPORT_TIMEOUT',
  'OTEL_BSP_MAX_QUEUE_SIZE',
  'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  'OTEL_EXPORTER_ZIPKIN_ENDPOINT',
  'OTEL_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_SPAN_EVENT_COUNT_LIMIT',
  'OTEL_SPAN_LINK_COUNT_LIMIT',
  'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT',
  ...OTLP_SETTINGS.map((s) => `OTEL_EXPORTER_OTLP_TRACES_${s}`),
])
const FOR_METRICS = new Set([
  'OTEL_METRIC_EXPORT_INTERVAL',
  'OTEL_METRIC_EXPORT_TIMEOUT',
  ...OTLP_SETTINGS.map((s) => `OTEL_EXPORTER_OTLP_METRICS_${s}`),
])
// Set, but pointless here: said once, quietly accepted.
const NAMED_REASONS: Record<string, string> = {
  OTEL_LOGS_EXPORTER: 'logs are JSON lines on stdout',
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE:
    'the push is cumulative, as prom-client counts (delta is not supported)',
  OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION:
    'histograms keep the explicit buckets of /metrics',
  OTEL_SEMCONV_STABILITY_OPT_IN: 'the gateway makes its own spans with the stable conventions',
}

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value ? value : undefined
}

function checkProtocols(env: Env): void {
  for (const name of PROTOCOL_VARIABLES) {
    const value = read(env, name)
    if (value !== undefined && !PROTOCOLS.has(value)) {
      throw new ConfigError(name, value, 'http/protobuf, http/json or grpc')
    }
  }
}

/** `otlp` turns the push on; `/metrics` is the Prometheus endpoint, so `prometheus` is refused. */
function metricsExporter(env: Env): boolean {
  const value = read(env, 'OTEL_METRICS_EXPORTER')
  if (value === undefined || value === 'none') return false
  if (value === 'otlp') return true
  if (value === 'prometheus') {
    throw new ConfigError(
      'OTEL_METRICS_EXPORTER',
      value,
      'otlp or none (Prometheus scrapes /metrics on the admin port)'
    )
  }
  throw new ConfigError('OTEL_METRICS_EXPORTER', value, 'otlp or none')
}

function logsExporter(env: Env): void {
  const value = read(env, 'OTEL_LOGS_EXPORTER')
  if (value === undefined) return
  const names = value.split(',').map((name) => name.trim())
  if (names.some((name) => !['otlp', 'console', 'none'].includes(name))) {
    throw new ConfigError('OTEL_LOGS_EXPORTER', value, 'otlp, console or none')
  }
}

function milliseconds(env: Env, name: string, fallback: number): number {
  const value = read(env, name)
  if (value === undefined) return fallback
  const ms = Number(value)
  if (!/^\d+$/.test(value) || ms <= 0 || ms > MAX_TIMER_MS) {
    throw new ConfigError(name, value, `a whole number of milliseconds from 1 to ${MAX_TIMER_MS}`)
  }
  return ms
}

function pushSettings(env: Env): MetricsPushSettings {
  const intervalMs = milliseconds(env, 'OTEL_METRIC_EXPORT_INTERVAL', DEFAULT_INTERVAL_MS)
  const timeoutMs = milliseconds(env, 'OTEL_METRIC_EXPORT_TIMEOUT', DEFAULT_TIMEOUT_MS)
  const protocol = (read(env, 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL') ??
    read(env, 'OTEL_EXPORTER_OTLP_PROTOCOL') ??
    'http/protobuf') as OtlpProtocol
  // A push must end before the next one starts; the Node SDK clamps the same way.
  return { protocol, intervalMs, timeoutMs: Math.min(timeoutMs, intervalMs) }
}

function ignoredVariables(
  env: Env,
  on: { sdk: boolean; traces: boolean; metrics: boolean }
): TelemetryEnv['ignored'] {
  const ignored: { name: string; reason: string }[] = []
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('OTEL_') || read(env, name) === undefined) continue
    let reason: string | undefined
    if (name === 'OTEL_SDK_DISABLED') continue
    else if (!on.sdk) reason = 'OTEL_SDK_DISABLED=true'
    else if (name === 'OTEL_LOGS_EXPORTER' && read(env, name) === 'none') continue
    else if (name === 'OTEL_TRACES_EXPORTER' || name === 'OTEL_METRICS_EXPORTER') continue
    else if (NAMED_REASONS[name] !== undefined) reason = NAMED_REASONS[name]
    else if (FOR_TRACES.has(name)) reason = on.traces ? undefined : 'tracing is off'
    else if (FOR_METRICS.has(name)) {
      reason = on.metrics ? undefined : 'the metrics push is off (OTEL_METRICS_EXPORTER=otlp)'
    } else if (FOR_ANY.has(name)) {
      reason = on.traces || on.metrics ? undefined : 'no signal is exported'
    } else reason = 'not supported'
    if (reason !== undefined) ignored.push({ name, reason })
  }
  return ignored
}

/**
 * Reads every `OTEL_*` variable once, at start-up (README, OpenTelemetry):
 * - traces are on when an exporter or an OTLP endpoint is set (see `tracingEnabled`);
 * - the metrics push is on only with `OTEL_METRICS_EXPORTER=otlp`;
 * - `OTEL_SDK_DISABLED=true` turns both off.
 * Unknown exporters and protocols, `OTEL_METRICS_EXPORTER=prometheus` and bad export intervals
 * stop start-up; other variables that would do nothing are returned for a warning each.
 *
 * @throws {ConfigError} one line naming the variable
 */
export function readTelemetryEnv(env: Env): TelemetryEnv {
  checkProtocols(env)
  logsExporter(env)
  const pushing = metricsExporter(env)
  const metrics = pushing ? pushSettings(env) : undefined
  const sdk = read(env, 'OTEL_SDK_DISABLED')?.toLowerCase() !== 'true'
  // tracingEnabled also validates OTEL_TRACES_EXPORTER, disabled or not.
  const traces = tracingEnabled(env)
  const on = { sdk, traces, metrics: sdk && pushing }
  return {
    traces,
    metrics: on.metrics ? metrics : undefined,
    ignored: ignoredVariables(env, on),
  }
}
