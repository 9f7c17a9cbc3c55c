import { Counter, Gauge, type Registry } from 'prom-client'
import { SeriesCounter, SeriesHistogram } from './series.ts'

// OpenTelemetry HTTP semantic conventions' advisory buckets (http.server.request.duration),
// plus 30 and 60 s: the Drive API answers 598 after 30 s, which would otherwise land in +Inf.
export const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60,
]

const RESPONSE_LABELS = [
  'http_request_method',
  'http_route',
  'http_response_status_code',
  'drive_error_code',
  'drive_cache_status',
] as const

const SERVER_DURATION_LABELS = [
  'http_request_method',
  'http_route',
  'http_response_status_code',
  'drive_cache_status',
] as const

const CLIENT_DURATION_LABELS = [
  'http_request_method',
  'http_route',
  'http_response_status_code',
  'server_address',
] as const

/**
 * `http_server_active_requests`: a plain number changed per request, read into the gauge when the
 * registry is collected (a scrape or an OTLP push), so a request pays no prom-client call for it.
 */
function activeRequestsGauge(registers: Registry[]) {
  let active = 0
  new Gauge({
    name: 'http_server_active_requests',
    help: 'Requests being handled now.',
    registers,
    collect() {
      this.set(active)
    },
  })
  return {
    inc: () => void active++,
    dec: () => void active--,
  }
}

/**
 * Every metric of docs/architecture.md, "Metrics", registered in the given registry (never
 * prom-client's global one). The per-request families are `series.ts`'s: the response counter
 * and the server histogram carry exemplars (trace ids) when given some, and OpenMetrics scrapes
 * render them (`registry.ts`).
 */
export function defineMetrics(registry: Registry) {
  const registers = [registry]
  return {
    responses: new SeriesCounter({
      name: 'drive_gateway_responses_total',
      help: 'Responses sent to clients, by HTTP status and Drive error code.',
      labelNames: RESPONSE_LABELS,
    }).registerIn(registry),
    serverDuration: new SeriesHistogram({
      name: 'http_server_request_duration_seconds',
      help: 'Time from request received to the last response byte written.',
      labelNames: SERVER_DURATION_LABELS,
      buckets: DURATION_BUCKETS,
    }).registerIn(registry),
    clientDuration: new SeriesHistogram({
      name: 'http_client_request_duration_seconds',
      help: 'Time from upstream request sent to its response headers (or failure).',
      labelNames: CLIENT_DURATION_LABELS,
      buckets: DURATION_BUCKETS,
    }).registerIn(registry),
    activeRequests: activeRequestsGauge(registers),
    abortedResponses: new Counter({
      name: 'drive_gateway_aborted_responses_total',
      help: 'Response bodies cut off after they started, by who broke them.',
      labelNames: ['http_route', 'side'] as const,
      registers,
    }),
    rejectedRequests: new Counter({
      name: 'drive_gateway_rejected_requests_total',
      help: 'Requests Node refused before routing (header too large, bad request, timeout).',
      labelNames: ['reason'] as const,
      registers,
    }),
    cacheStoreErrors: new Counter({
      name: 'drive_gateway_cache_store_errors_total',
      help: 'Cache store calls that failed or timed out, by operation.',
      labelNames: ['operation'] as const,
      registers,
    }),
    cacheStoreUp: new Gauge({
      name: 'drive_gateway_cache_store_up',
      help: '1 while the cache store answers, 0 while its circuit breaker is open.',
      registers,
    }),
    buildInfo: new Gauge({
      name: 'drive_gateway_build_info',
      help: 'Always 1; labels carry the gateway and Node versions.',
      labelNames: ['version', 'node_version'] as const,
      registers,
    }),
  }
}

export type GatewayMetrics = ReturnType<typeof defineMetrics>
