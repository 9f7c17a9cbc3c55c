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
  /** Where the runbook lives; each alert links `<runbookUrl>#<alert name in lower case>`. */
  readonly runbookUrl: string
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
  runbookUrl: 'deploy/prometheus/runbook.md',
})

/**
 * Transfer routes (downloads and uploads) take as long as the file is big, so latency SLIs
 * leave them out. Their templates end in `/download` or are `POST /files` (the only route with
 * that exact template); a route file adding transfer routes should follow the same shape.
 */
export const NOT_TRANSFER = 'http_route!~"/files|.*/download"'

/**
 * Availability errors: 5xx except 598, which has its own alerts (docs/architecture.md, "Decisions
 * for operators").
 */
export const SLO_ERROR = 'http_response_status_code=~"5..",http_response_status_code!="598"'

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
  labels: { severity: 'page' | 'ticket' }
  annotations: { summary: string; description: string; runbook: string; runbook_url: string }
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

/** Prints a threshold without float noise (1 - 0.999 is 0.0010000000000000009). */
export function num(x: number): string {
  return String(Number(x.toPrecision(6)))
}

export function errorBudget(settings: RuleSettings): number {
  return Number((1 - settings.sloTarget).toPrecision(6))
}

function sloRecordingRules(): RecordingRule[] {
  return BURN_WINDOWS.flatMap((w) => [
    {
      record: recorded.responses(w),
      expr: `sum by (job) (rate(drive_gateway_responses_total[${w}]))`,
    },
    {
      record: recorded.sloErrors(w),
      expr: `sum by (job) (rate(drive_gateway_responses_total{${SLO_ERROR}}[${w}]))`,
    },
    {
      // Divide the recorded sums (aggregate first, then divide: Prometheus naming practice).
      // No traffic in the window gives 0/0 = NaN, which compares false: no alert.
      record: recorded.sloErrorRatio(w),
      expr: `${recorded.sloErrors(w)}\n/\n${recorded.responses(w)}`,
    },
  ])
}

function annotations(
  s: RuleSettings,
  alert: string,
  summary: string,
  description: string,
  runbook: string
): AlertingRule['annotations'] {
  return { summary, description, runbook, runbook_url: `${s.runbookUrl}#${alert.toLowerCase()}` }
}

function burnAlert(s: RuleSettings, severity: 'page' | 'ticket'): AlertingRule {
  const budget = errorBudget(s)
  // rate × window seconds is the count in the window, even when the series is younger than it.
  const pairs = BURN_RATES[severity].map(
    ({ long, short, factor }) =>
      `(\n` +
      `  ${recorded.sloErrorRatio(long)} > (${factor} * ${num(budget)})\n` +
      `  and ${recorded.sloErrorRatio(short)} > (${factor} * ${num(budget)})\n` +
      `  and ${recorded.sloErrors(long)} * ${SECONDS[long]} >= ${s.minBadResponses}\n` +
      `)`
  )
  const windows = BURN_RATES[severity].map((p) => `${p.factor}x (${p.long} and ${p.short})`)
  const pace = severity === 'page' ? 'fast' : 'steadily'
  return {
    alert: 'DriveGatewayErrorBudgetBurn',
    expr: pairs.join('\nor\n'),
    for: severity === 'page' ? '2m' : '15m',
    labels: { severity },
    annotations: annotations(
      s,
      'DriveGatewayErrorBudgetBurn',
      `{{ $labels.job }} is burning its ${num(s.sloTarget * 100)}% availability budget ${pace}`,
      `5xx responses (598 excluded) are {{ $value | humanizePercentage }} of responses over the ` +
        `long window: the budget burns at over ${windows.join(' or ')} its sustainable rate.`,
      'Check the Errors dashboard: gateway-made UPSTREAM_* codes mean the network or the ' +
        'gateway, Drive codes (INTERNAL_SERVER_ERROR, SERVICE_MAINTENANCE) mean the Drive API.'
    ),
  }
}

/** `sum by (job[, extra]) (rate(drive_gateway_responses_total{matchers}[w]))` */
function responsesRate(matchers: string, w: Window, by = 'job'): string {
  const sel = matchers ? `{${matchers}}` : ''
  return `sum by (${by}) (rate(drive_gateway_responses_total${sel}[${w}]))`
}

/**
 * `bad / all > ratio and bad count >= min`, for the ratio alerts other than the SLO. `extra`
 * keeps a label of the bad responses (e.g. which error code) on the alert.
 */
function guardedRatio(s: RuleSettings, bad: string, w: Window, ratio: number, extra = ''): string {
  const by = extra ? `job, ${extra}` : 'job'
  const divide = extra ? `/ ignoring (${extra}) group_left` : '/'
  return (
    `(\n  ${responsesRate(bad, w, by)}\n  ${divide}\n  ${responsesRate('', w)}\n) > ${num(ratio)}\n` +
    `and\n${responsesRate(bad, w, by)} * ${SECONDS[w]} >= ${s.minBadResponses}`
  )
}

function alertRules(s: RuleSettings): AlertingRule[] {
  const le = s.latencyP99Seconds
  if (!DURATION_BUCKETS.includes(le)) {
    throw new Error(`expected latencyP99Seconds to be a bucket bound, got ${le}`)
  }
  const durations = `job=~"${s.jobRegex}",${NOT_TRANSFER},http_response_status_code!="598"`
  const durationRate = (series: string, by: string, extra = '') =>
    `sum by (${by}) (rate(http_server_request_duration_seconds_${series}{${extra}${durations}}[5m]))`
  const status598 = 'http_response_status_code="598"'
  return [
    burnAlert(s, 'page'),
    burnAlert(s, 'ticket'),
    {
      alert: 'DriveGatewayLongRunningTransactions',
      expr: guardedRatio(s, status598, '5m', s.longRunningPageRatio),
      for: '5m',
      labels: { severity: 'page' },
      annotations: annotations(
        s,
        'DriveGatewayLongRunningTransactions',
        '{{ $labels.job }}: {{ $value | humanizePercentage }} of Drive API calls answer 598',
        `598 LONG_RUNNING_TRANSACTION: the Drive API took over 30 s and is still working; ` +
          `clients must poll for the outcome. Over ${num(s.longRunningPageRatio * 100)}% for 5 minutes.`,
        'Check the Drive API status page and which routes answer 598 (Errors dashboard); ' +
          'slow uploads or bulk moves are the usual cause. Not part of the availability SLO.'
      ),
    },
    {
      alert: 'DriveGatewayLongRunningTransactions',
      expr: guardedRatio(s, status598, '30m', s.longRunningTicketRatio),
      for: '15m',
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        'DriveGatewayLongRunningTransactions',
        '{{ $labels.job }}: {{ $value | humanizePercentage }} of Drive API calls answer 598',
        `598 LONG_RUNNING_TRANSACTION over ${num(s.longRunningTicketRatio * 100)}% of responses ` +
          'for 30 minutes.',
        'Find the routes (Errors dashboard, 598 panel) and whether the app retries them; ' +
          'raise with LINE WORKS support if it persists.'
      ),
    },
    {
      alert: 'DriveGatewayLongRunningTransactionRate',
      expr: `${responsesRate(status598, '5m')} > ${num(s.longRunningPerSecond)}`,
      for: '10m',
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        'DriveGatewayLongRunningTransactionRate',
        '{{ $labels.job }}: {{ $value | humanize }} responses per second answer 598',
        `More than ${num(s.longRunningPerSecond)} 598 per second for 10 minutes, whatever the ` +
          'ratio: each one leaves a client polling for an outcome.',
        'Same as DriveGatewayLongRunningTransactions; check for a client retrying 598s in a loop.'
      ),
    },
    {
      alert: 'DriveGatewayUpstreamFailures',
      expr: guardedRatio(s, UPSTREAM_FAILURE, '5m', s.upstreamFailureRatio, 'drive_error_code'),
      for: '5m',
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        'DriveGatewayUpstreamFailures',
        '{{ $labels.job }}: {{ $value | humanizePercentage }} of responses are gateway-made {{ $labels.drive_error_code }}',
        'The gateway could not get a response from the Drive API (timeout, refused or reset ' +
          'connection, unparseable response) and answered 502/504 itself.',
        'UPSTREAM_UNREACHABLE: check DNS, egress proxy (HTTPS_PROXY) and network policy. ' +
          'UPSTREAM_TIMEOUT: compare upstream latency on the Runtime dashboard with UPSTREAM_TIMEOUT_MS.'
      ),
    },
    {
      alert: 'DriveGatewayRateLimited',
      expr: guardedRatio(s, 'http_response_status_code="429"', '5m', s.rateLimitedRatio),
      for: '10m',
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        'DriveGatewayRateLimited',
        '{{ $labels.job }}: {{ $value | humanizePercentage }} of Drive API calls are rate limited (429)',
        `The Drive API answers 429 to over ${num(s.rateLimitedRatio * 100)}% of calls.`,
        'Check the cache hit ratio (Cache dashboard) and the store health; find the caller ' +
          'with the most requests; request a higher quota if the load is legitimate.'
      ),
    },
    {
      alert: 'DriveGatewayCacheStoreDown',
      expr: 'drive_gateway_cache_store_up == 0',
      for: '5m',
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        'DriveGatewayCacheStoreDown',
        '{{ $labels.instance }}: cache store (Redis) unavailable, breaker open',
        'Lookups go straight to the Drive API uncached (drive_cache_status="unavailable"): ' +
          'more latency and more risk of 429.',
        'Check Redis reachability from the pod, REDIS_URL and its Secret, and store errors by ' +
          'operation on the Cache dashboard.'
      ),
    },
    {
      alert: 'DriveGatewayTargetDown',
      expr: `up{job=~"${s.jobRegex}"} == 0`,
      for: '5m',
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        'DriveGatewayTargetDown',
        '{{ $labels.instance }} of {{ $labels.job }} cannot be scraped',
        'Prometheus cannot scrape the gateway admin port; while it cannot, no other gateway ' +
          'alert can fire for this instance.',
        'Check the pod (sidecar restarts, liveness probe), the admin port 9464 and network policy.'
      ),
    },
    {
      alert: 'DriveGatewayLatencyHigh',
      // The guard counts requests slower than the threshold: all minus those in its bucket.
      expr:
        `histogram_quantile(0.99, ${durationRate('bucket', 'job, le')}) > ${num(le)}\n` +
        `and\n(\n  ${durationRate('count', 'job')}\n  - ` +
        `${durationRate('bucket', 'job', `le="${num(le)}",`)}\n) * 300 >= ${s.minBadResponses}`,
      for: '10m',
      labels: { severity: 'ticket' },
      annotations: annotations(
        s,
        'DriveGatewayLatencyHigh',
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
    { name: 'drive-gateway-slo.rules', rules: sloRecordingRules() },
    { name: 'drive-gateway.alerts', rules: alertRules(settings) },
  ]
}
