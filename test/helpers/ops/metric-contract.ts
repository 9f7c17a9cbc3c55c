/**
 * The metric names the dashboards and alert rules may use: docs/architecture.md, "Metrics", plus
 * the prom-client default metrics they chart. One list, so a rename in either place fails a test:
 * the ops tests check every name an expression uses against it, and the real-Prometheus test checks
 * it against what the running gateway exposes.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram'

export interface ContractMetric {
  readonly name: string
  readonly type: MetricType
  readonly labels: readonly string[]
  /** Exposed only after an event the tests may not cause (e.g. a broken body). */
  readonly eventDriven?: boolean
}

export const GATEWAY_METRICS: readonly ContractMetric[] = [
  {
    name: 'drive_gateway_responses_total',
    type: 'counter',
    labels: [
      'http_request_method',
      'http_route',
      'http_response_status_code',
      'drive_error_code',
      'drive_cache_status',
    ],
  },
  {
    name: 'http_server_request_duration_seconds',
    type: 'histogram',
    labels: [
      'http_request_method',
      'http_route',
      'http_response_status_code',
      'drive_cache_status',
    ],
  },
  {
    name: 'http_client_request_duration_seconds',
    type: 'histogram',
    labels: ['http_request_method', 'http_route', 'http_response_status_code', 'server_address'],
  },
  { name: 'http_server_active_requests', type: 'gauge', labels: [] },
  {
    name: 'drive_gateway_aborted_responses_total',
    type: 'counter',
    labels: ['http_route', 'side'],
    eventDriven: true,
  },
  {
    name: 'drive_gateway_rejected_requests_total',
    type: 'counter',
    labels: ['reason'],
    eventDriven: true,
  },
  {
    name: 'drive_gateway_cache_store_errors_total',
    type: 'counter',
    labels: ['operation'],
    eventDriven: true,
  },
  { name: 'drive_gateway_cache_store_up', type: 'gauge', labels: [] },
  { name: 'drive_gateway_build_info', type: 'gauge', labels: ['version', 'node_version'] },
]

/** prom-client `collectDefaultMetrics()` names the Runtime dashboard uses. */
export const DEFAULT_METRICS: readonly ContractMetric[] = [
  { name: 'process_cpu_seconds_total', type: 'counter', labels: [] },
  { name: 'process_resident_memory_bytes', type: 'gauge', labels: [] },
  { name: 'process_open_fds', type: 'gauge', labels: [] },
  { name: 'process_max_fds', type: 'gauge', labels: [] },
  { name: 'nodejs_eventloop_lag_seconds', type: 'gauge', labels: [] },
  { name: 'nodejs_eventloop_lag_p99_seconds', type: 'gauge', labels: [] },
  { name: 'nodejs_heap_size_used_bytes', type: 'gauge', labels: [] },
  { name: 'nodejs_heap_size_total_bytes', type: 'gauge', labels: [] },
  { name: 'nodejs_gc_duration_seconds', type: 'histogram', labels: ['kind'] },
]

/** Series Prometheus itself adds to every target. */
export const SCRAPE_METRICS: readonly string[] = ['up']

export const CONTRACT_METRICS: readonly ContractMetric[] = [...GATEWAY_METRICS, ...DEFAULT_METRICS]

/** Every series name a query may select: histograms expand to `_bucket`, `_sum`, `_count`. */
export function seriesNames(metrics: readonly ContractMetric[] = CONTRACT_METRICS): Set<string> {
  const names = new Set<string>(SCRAPE_METRICS)
  for (const m of metrics) {
    if (m.type === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(m.name + suffix)
    } else {
      names.add(m.name)
    }
  }
  return names
}

/**
 * The gateway-made error codes (docs/architecture.md, "Error catalog"); `UPSTREAM_*` ones mean the
 * upstream failed.
 */
export const GATEWAY_ERROR_CODES = {
  UPSTREAM_TIMEOUT: 504,
  UPSTREAM_UNREACHABLE: 502,
  UPSTREAM_BAD_RESPONSE: 502,
  REQUEST_TOO_LARGE: 413,
  INVALID_PATH: 400,
  INTERNAL_ERROR: 500,
  NOT_CACHED: 504,
} as const
