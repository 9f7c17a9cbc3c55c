/**
 * The one source of the gateway's Prometheus rules. `deploy/generate.ts` writes it out twice:
 * as `deploy/prometheus/rules.yml` (what `promtool test rules` checks and docker-compose loads)
 * and as the PrometheusRule custom resource in `deploy/kubernetes/`, so the cluster runs the
 * exact rules the unit tests ran. The dashboards import the same settings for their thresholds.
 */

import { DURATION_BUCKETS } from '../../src/metrics/definitions.ts'

export interface RuleSettings {
  /** Availability SLO over 30 days: the share of responses that are not 5xx (598 aside). */
  readonly sloTarget: number
  /**
   * Anchored regex for the scrape job. Needed where a metric name is not ours alone:
   * `up`, and the OpenTelemetry-named histograms other services export too. Matches the
   * docker-compose job `drive-gateway` and the PodMonitor job `<namespace>/drive-gateway`.
   */
  readonly jobRegex: string
  /**
   * Low-traffic guard: a ratio alert fires only when its window holds at least this many bad
   * responses, so one or two stray failures on a quiet sidecar (1 of 3 = 33 %) never page.
   */
  readonly minBadResponses: number
  /** 598 ratio that opens a ticket when sustained (30 m window, for 15 m). */
  readonly longRunningTicketRatio: number
  /** 598 ratio that pages (5 m window, for 5 m). */
  readonly longRunningPageRatio: number
  /** 598 per second that opens a ticket whatever the ratio: each one leaves a client polling. */
  readonly longRunningPerSecond: number
  /** Share of responses the gateway made because the upstream failed (502/504 UPSTREAM_*). */
  readonly upstreamFailureRatio: number
  /** Share of 429 responses: the Drive API is rate limiting this app. */
  readonly rateLimitedRatio: number
  /** p99 of non-transfer requests; must be a bucket bound so the guard can count slow ones. */
  readonly latencyP99Seconds: number
  /**
   * Absolute URL of `runbook.md` as your team serves it (a Git host's file view renders the
   * anchors); each alert's `runbook_url` is `<runbookUrl>#<alert name in lower case>`.
   */
  readonly runbookUrl: string
  /** Grafana's base URL; each alert's `dashboard_url` opens its dashboard for the alert's job. */
  readonly grafanaUrl: string
  /**
   * Multiplies every window, `for:` and guard count window. 1 in the shipped rules; the
   * end-to-end alert test renders the same rules at 1/60 (a minute becomes a second).
   */
  readonly timeScale: number
}

export const RULE_SETTINGS: RuleSettings = Object.freeze({
  sloTarget: 0.999,
  jobRegex: '(.+/)?drive-gateway',
  minBadResponses: 10,
  longRunningTicketRatio: 0.01,
  longRunningPageRatio: 0.1,
  longRunningPerSecond: 1,
  upstreamFailureRatio: 0.01,
  rateLimitedRatio: 0.01,
  latencyP99Seconds: 2.5,
  runbookUrl:
    'https://git.example.com/platform/drive-gateway/-/blob/main/deploy/prometheus/runbook.md',
  grafanaUrl: 'http://127.0.0.1:3000',
  timeScale: 1,
})

/** Alert names, shared with the Alertmanager routing so the two cannot drift. */
export const ALERT = {
  burn: 'DriveGatewayErrorBudgetBurn',
  longRunning: 'DriveGatewayLongRunningTransactions',
  longRunningRate: 'DriveGatewayLongRunningTransactionRate',
  upstream: 'DriveGatewayUpstreamFailures',
  rateLimited: 'DriveGatewayRateLimited',
  storeDown: 'DriveGatewayCacheStoreDown',
  targetDown: 'DriveGatewayTargetDown',
  latency: 'DriveGatewayLatencyHigh',
} as const

export type Severity = 'page' | 'ticket'

/** Dashboard uids (dashboards/src), for the alerts' `dashboard_url`. */
const DASHBOARD = {
  overview: 'drive-gateway-overview',
  errors: 'drive-gateway-errors',
  cache: 'drive-gateway-cache',
  runtime: 'drive-gateway-runtime',
} as const

/**
 * Transfer routes (downloads and uploads) take as long as the file is big, so latency SLIs
 * leave them out. Their templates end in `/download` or are `POST /files` (the only route with
 * that exact template); a route file adding transfer routes should follow the same shape.
 */
export const NOT_TRANSFER = 'http_route!~"/files|.*/download"'

/**
 * Availability errors: 5xx except 598, which has its own alerts, and except the gateway's
 * `NOT_CACHED` 504 (the client asked `only-if-cached` and there was no entry: RFC 9111
 * §5.2.1.7; not a failure). docs/architecture.md lists the error catalog.
 */
export const SLO_ERROR =
  'http_response_status_code=~"5..",http_response_status_code!="598",drive_error_code!="NOT_CACHED"'

/** Gateway-made errors caused by a failing upstream (docs/architecture.md, "Error catalog"). */
export const UPSTREAM_FAILURE =
  'drive_error_code=~"UPSTREAM_TIMEOUT|UPSTREAM_UNREACHABLE|UPSTREAM_BAD_RESPONSE"'

export interface RecordingRule {
  record: string
  expr: string
}

export interface AlertingRule {
  alert: string
  expr: string
  for?: string
  labels: { severity: Severity }
  annotations: {
    summary: string
    description: string
    runbook: string
    runbook_url: string
    dashboard_url: string
    /** The most frequent `drive_error_code` values among the alert's bad responses, now. */
    top_error_codes?: string
  }
}

export type Rule = RecordingRule | AlertingRule

export interface RuleGroup {
  name: string
  rules: Rule[]
}

/** Windows of the SRE workbook's multi-window, multi-burn-rate alerts (Table 5-8). */
export const BURN_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const
type Window = (typeof BURN_WINDOWS)[number]

const SECONDS: Record<Window, number> = {
  '5m': 300,
  '30m': 1800,
  '1h': 3600,
  '2h': 7200,
  '6h': 21600,
  '1d': 86400,
  '3d': 259200,
}

/** Page: 2 % of a 30-day budget in 1 h, 5 % in 6 h. Ticket: 10 % in 1 d, 10 % in 3 d. */
export const BURN_RATES = {
  page: [
    { long: '1h', short: '5m', factor: 14.4 },
    { long: '6h', short: '30m', factor: 6 },
  ],
  ticket: [
    { long: '1d', short: '2h', factor: 3 },
    { long: '3d', short: '6h', factor: 1 },
  ],
} as const satisfies Record<string, { long: Window; short: Window; factor: number }[]>

export const recorded = {
  responses: (w: Window) => `job:drive_gateway_responses:rate${w}`,
  sloErrors: (w: Window) => `job:drive_gateway_slo_errors:rate${w}`,
  sloErrorRatio: (w: Window) => `job:drive_gateway_slo_errors_per_responses:ratio_rate${w}`,
}

/** A Prometheus duration (`5m`, `1h12m`, `500ms`) for a number of seconds. */
export function promDuration(seconds: number): string {
  let ms = Math.round(seconds * 1000)
  if (ms <= 0) throw new Error(`expected a positive duration, got ${seconds} s`)
  let out = ''
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    if (ms >= size) {
      out += `${Math.floor(ms / size)}${unit}`
      ms %= size
    }
  }
  return out
}

/** A window or `for:` of the shipped rules, scaled by `timeScale`. */
function scaled(s: RuleSettings, w: Window | '2m' | '10m' | '15m'): string {
  const seconds = w in SECONDS ? SECONDS[w as Window] : Number.parseInt(w) * 60
  return promDuration(seconds * s.timeScale)
}

/** Prints a threshold without float noise (1 - 0.999 is 0.0010000000000000009). */
export function num(x: number): string {
  return String(Number(x.toPrecision(6)))
}

export function errorBudget(settings: RuleSettings): number {
  return Number((1 - settings.sloTarget).toPrecision(6))
}

/** Recorded names keep the nominal window (`rate5m`) whatever the time scale. */
function sloRecordingRules(s: RuleSettings): RecordingRule[] {
  return BURN_WINDOWS.flatMap((w) => [
    {
      record: recorded.responses(w),
      expr: `sum by (job) (rate(drive_gateway_responses_total[${scaled(s, w)}]))`,
    },
    {
      record: recorded.sloErrors(w),
      expr: `sum by (job) (rate(drive_gateway_responses_total{${SLO_ERROR}}[${scaled(s, w)}]))`,
    },
    {
      // Divide the recorded sums (aggregate first, then divide: Prometheus naming practice).
      // No traffic in the window gives 0/0 = NaN, which compares false: no alert.
      record: recorded.sloErrorRatio(w),
      expr: `${recorded.sloErrors(w)}\n/\n${recorded.responses(w)}`,
    },
  ])
}

/**
 * The codes of the alert's bad responses, most frequent first (at most 3), from a query the
 * annotation template runs when the alert is evaluated: the notification names them.
 */
function topCodes(s: RuleSettings, bad: string, w: Window): string {
  const q =
    `sort_desc(topk(3, sum by (drive_error_code) (rate(drive_gateway_responses_total` +
    `{job=%q,${bad}}[${scaled(s, w)}]))))`
  return (
    `{{ range $i, $s := printf \`${q}\` $labels.job | query }}` +
    `{{ if $i }}, {{ end }}{{ $s.Labels.drive_error_code }}{{ end }}`
  )
}

function annotations(
  s: RuleSettings,
  alert: string,
  dashboard: keyof typeof DASHBOARD,
  summary: string,
  description: string,
  runbook: string,
  codes?: string
): AlertingRule['annotations'] {
  return {
    summary,
    description,
    runbook,
    runbook_url: `${s.runbookUrl}#${alert.toLowerCase()}`,
    dashboard_url: `${s.grafanaUrl}/d/${DASHBOARD[dashboard]}?var-job={{ $labels.job }}`,
    ...(codes && { top_error_codes: codes }),
  }
}

function burnAlert(s: RuleSettings, severity: 'page' | 'ticket'): AlertingRule {
  const budget = errorBudget(s)
  // rate × window seconds is the count in the window, even when the series is younger than it.
  const pairs = BURN_RATES[severity].map(
    ({ long, short, factor }) =>
      `(\n` +
      `  ${recorded.sloErrorRatio(long)} > (${factor} * ${num(budget)})\n` +
      `  and ${recorded.sloErrorRatio(short)} > (${factor} * ${num(budget)})\n` +
      `  and ${recorded.sloErrors(long)} * ${SECONDS[long] * s.timeScale} >= ${s.minBadResponses}\n` +
      `)`
  )
  const windows = BURN_RATES[severity].map((p) => `${p.factor}x (${p.long} and ${p.short})`)
  const pace = severity === 'page' ? 'fast' : 'steadily'
  return {
    alert: ALERT.burn,
    expr: pairs.join('\nor\n'),
    for: scaled(s, severity === 'page' ? '2m' : '15m'),
    labels: { severity },
    annotations: annotations(
      s,
      ALERT.burn,
      'errors',
      `{{ $labels.job }} is burning its ${num(s.sloTarget * 100)}% availability budget ${pace}`,
      `5xx responses (598 and NOT_CACHED excluded) are {{ $value | humanizePercentage }} of responses over the ` +
        `long window: the budget burns at over ${windows.join(' or ')} its sustainable rate.`,
      'Check the Errors dashboard: gateway-made UPSTREAM_* codes mean the network or the ' +
        'gateway, Drive codes (INTERNAL_SERVER_ERROR, SERVICE_MAINTENANCE) mean the Drive API.',
      topCodes(s, SLO_ERROR, BURN_RATES[severity][0].short)
    ),
  }
}

/** `sum by (job[, extra]) (rate(drive_gateway_responses_total{matchers}[w]))` */
function responsesRate(s: RuleSettings, matchers: string, w: Window, by = 'job'): string {
  const sel = matchers ? `{${matchers}}` : ''
  return `sum by (${by}) (rate(drive_gateway_responses_total${sel}[${scaled(s, w)}]))`
}

/**
 * `bad / all > ratio and bad count >= min`, for the ratio alerts other than the SLO. `extra`
 * keeps a label of the bad responses (e.g. which error code) on the alert.
 */
function guardedRatio(s: RuleSettings, bad: string, w: Window, ratio: number, extra = ''): string {
  const by = extra ? `job, ${extra}` : 'job'
  const divide = extra ? `/ ignoring (${extra}) group_left` : '/'
  return (
    `(\n  ${responsesRate(s, bad, w, by)}\n  ${divide}\n  ${responsesRate(s, '', w)}\n) > ${num(ratio)}\n` +
    `and\n${responsesRate(s, bad, w, by)} * ${SECONDS[w] * s.timeScale} >= ${s.minBadResponses}`
  )
}

function alertRules(s: RuleSettings): AlertingRule[] {
  const le = s.latencyP99Seconds
  if (!DURATION_BUCKETS.includes(le)) {
    throw new Error(`expected latencyP99Seconds to be a bucket bound, got ${le}`)
  }
  const durations = `job=~"${s.jobRegex}",${NOT_TRANSFER},http_response_status_code!="598"`
  const durationRate = (series: string, by: string, extra = '') =>
    `sum by (${by}) (rate(http_server_request_duration_seconds_${series}{${extra}${durations}}[${scaled(s, '5m')}]))`
  const status598 = 'http_response_status_code="598"'
  return [
    burnAlert(s, 'page'),
    burnAlert(s, 'ticket'),
    {
      alert: ALERT.longRunning,
      expr: guardedRatio(s, status598, '5m', s.longRunningPageRatio),
      for: scaled(s, '5m'),
      labels: { severity: 'page' },
      annotations: annotations(
        s,
        ALERT.longRunning,
        'errors',
        '{{ $labels.job }}: {{ $value | humanizePercentage }} of Drive API calls answer 598',
        `598 LONG_RUNNING_TRANSACTION: the Drive API took over 30 s and is still working; ` +
          `clients must poll for the outcome. Over ${num(s.longRunningPageRatio * 100)}% for 5 minutes.`,
        'Check the Drive API status page and which routes answer 598 (Errors dashboard); ' +
          'slow uploads or bulk moves are the usual cause. Not part of the availability SLO.',
        topCodes(s, status598, '5m')
      ),
    },
    {
      alert: ALERT.longRunning,
      expr: guardedRatio(s, status598, '30m', s.longRunningTicketRatio),
      for: scaled(s, '15m'),
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        ALERT.longRunning,
        'errors',
        '{{ $labels.job }}: {{ $value | humanizePercentage }} of Drive API calls answer 598',
        `598 LONG_RUNNING_TRANSACTION over ${num(s.longRunningTicketRatio * 100)}% of responses ` +
          'for 30 minutes.',
        'Find the routes (Errors dashboard, 598 panel) and whether the app retries them; ' +
          'raise with LINE WORKS support if it persists.',
        topCodes(s, status598, '30m')
      ),
    },
    {
      alert: ALERT.longRunningRate,
      expr: `${responsesRate(s, status598, '5m')} > ${num(s.longRunningPerSecond)}`,
      for: scaled(s, '10m'),
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        ALERT.longRunningRate,
        'errors',
        '{{ $labels.job }}: {{ $value | humanize }} responses per second answer 598',
        `More than ${num(s.longRunningPerSecond)} 598 per second for 10 minutes, whatever the ` +
          'ratio: each one leaves a client polling for an outcome.',
        'Same as DriveGatewayLongRunningTransactions; check for a client retrying 598s in a loop.',
        topCodes(s, status598, '5m')
      ),
    },
    {
      alert: ALERT.upstream,
      expr: guardedRatio(s, UPSTREAM_FAILURE, '5m', s.upstreamFailureRatio, 'drive_error_code'),
      for: scaled(s, '5m'),
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        ALERT.upstream,
        'errors',
        '{{ $labels.job }}: {{ $value | humanizePercentage }} of responses are gateway-made {{ $labels.drive_error_code }}',
        'The gateway could not get a response from the Drive API (timeout, refused or reset ' +
          'connection, unparseable response) and answered 502/504 itself.',
        'UPSTREAM_UNREACHABLE: check DNS, egress proxy (HTTPS_PROXY) and network policy. ' +
          'UPSTREAM_TIMEOUT: compare upstream latency on the Runtime dashboard with UPSTREAM_TIMEOUT_MS.'
      ),
    },
    {
      alert: ALERT.rateLimited,
      expr: guardedRatio(s, 'http_response_status_code="429"', '5m', s.rateLimitedRatio),
      for: scaled(s, '10m'),
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        ALERT.rateLimited,
        'cache',
        '{{ $labels.job }}: {{ $value | humanizePercentage }} of Drive API calls are rate limited (429)',
        `The Drive API answers 429 to over ${num(s.rateLimitedRatio * 100)}% of calls.`,
        'Check the cache hit ratio (Cache dashboard) and the store health; find the caller ' +
          'with the most requests; request a higher quota if the load is legitimate.'
      ),
    },
    {
      alert: ALERT.storeDown,
      expr: 'drive_gateway_cache_store_up == 0',
      for: scaled(s, '5m'),
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        ALERT.storeDown,
        'cache',
        '{{ $labels.instance }}: cache store (Redis) unavailable, breaker open',
        'Lookups go straight to the Drive API uncached (drive_cache_status="unavailable"): ' +
          'more latency and more risk of 429.',
        'Check Redis reachability from the pod, REDIS_URL and its Secret, and store errors by ' +
          'operation on the Cache dashboard.'
      ),
    },
    {
      alert: ALERT.targetDown,
      expr: `up{job=~"${s.jobRegex}"} == 0`,
      for: scaled(s, '5m'),
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        ALERT.targetDown,
        'overview',
        '{{ $labels.instance }} of {{ $labels.job }} cannot be scraped',
        'Prometheus cannot scrape the gateway admin port; while it cannot, no other gateway ' +
          'alert can fire for this instance.',
        'Check the pod (sidecar restarts, liveness probe), the admin port 9464 and network policy.'
      ),
    },
    {
      alert: ALERT.latency,
      // The guard counts requests slower than the threshold: all minus those in its bucket.
      expr:
        `histogram_quantile(0.99, ${durationRate('bucket', 'job, le')}) > ${num(le)}\n` +
        `and\n(\n  ${durationRate('count', 'job')}\n  - ` +
        `${durationRate('bucket', 'job', `le="${num(le)}",`)}\n) * ${300 * s.timeScale} >= ${s.minBadResponses}`,
      for: scaled(s, '10m'),
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        ALERT.latency,
        'runtime',
        '{{ $labels.job }}: p99 latency {{ $value | humanizeDuration }} (transfers excluded)',
        `p99 of non-transfer requests (598 excluded) is over ${num(le)} s for 10 minutes.`,
        'Compare upstream and total latency on the Runtime dashboard: upstream slow means the ' +
          'Drive API; total slow with fast upstream means event-loop lag, CPU or the cache store.'
      ),
    },
  ]
}

export function buildRuleGroups(settings: RuleSettings = RULE_SETTINGS): RuleGroup[] {
  return [
    { name: 'drive-gateway-slo.rules', rules: sloRecordingRules(settings) },
    { name: 'drive-gateway.alerts', rules: alertRules(settings) },
  ]
}
