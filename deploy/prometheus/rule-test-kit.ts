/**
 * The pieces `rules-tests.ts` writes its promtool cases with: series builders for the gateway's
 * metrics, and the renderer that turns cases into a `promtool test rules` file, expanding each
 * expected alert's annotations from the rule's own templates (promtool compares them exactly).
 */

import { buildRuleGroups, type AlertingRule, type RuleSettings } from './rules.ts'

export type Labels = Record<string, string>

export interface ExpectedAlert {
  readonly severity: 'page' | 'ticket'
  /** Labels the expression keeps beyond `job` (e.g. `instance`, `drive_error_code`). */
  readonly labels?: Labels
  /** How the alert's `$value` renders in its annotations, as promtool prints it. */
  readonly value?: string
  /** The `top_error_codes` annotation: the codes the rule's query finds, most frequent first. */
  readonly codes?: string
}

export interface AlertCheck {
  readonly at: string
  readonly alert: string
  /** Empty: the alert must not be firing at that time. */
  readonly firing: readonly ExpectedAlert[]
}

export interface RuleTestCase {
  readonly name: string
  readonly series: readonly { readonly series: string; readonly values: string }[]
  readonly alerts: readonly AlertCheck[]
  readonly exprs?: readonly {
    readonly at: string
    readonly expr: string
    readonly samples: readonly { readonly labels: string; readonly value: number }[]
  }[]
}

export const JOB = 'drive-gateway'
export const base = { job: JOB, instance: 'gw-0:9464' }

export function selector(name: string, labels: Labels): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  return `${name}{${pairs.join(',')}}`
}

/** A `drive_gateway_responses_total` series for one status (and code) on a lookup route. */
export function responses(status: string, values: string, more: Labels = {}) {
  const labels: Labels = {
    ...base,
    http_request_method: 'GET',
    http_route: '/files/{resourceKey}',
    http_response_status_code: status,
    drive_error_code: Number(status) < 400 ? '' : 'UNKNOWN',
    drive_cache_status: 'miss',
    ...more,
  }
  return { series: selector('drive_gateway_responses_total', labels), values }
}

/**
 * Histogram series for one route and status: cumulative `le` buckets and `_count`. Numbers are
 * requests per minute (`0+NxM`); strings are raw promtool values.
 */
export function durations(route: string, status: string, buckets: Record<string, number | string>) {
  const labels = {
    ...base,
    http_request_method: 'GET',
    http_route: route,
    http_response_status_code: status,
    drive_cache_status: 'miss',
  }
  const values = (v: number | string) => (typeof v === 'number' ? `0+${v}x40` : v)
  return [
    ...Object.entries(buckets).map(([le, v]) => ({
      series: selector('http_server_request_duration_seconds_bucket', { ...labels, le }),
      values: values(v),
    })),
    {
      series: selector('http_server_request_duration_seconds_count', labels),
      values: values(buckets['+Inf'] ?? 0),
    },
  ]
}

export const none = (at: string, ...alerts: string[]): AlertCheck[] =>
  alerts.map((alert) => ({ at, alert, firing: [] }))

/** `{{ $labels.x }}` and `{{ $value | fn }}` as Prometheus expands them for one alert. */
function expand(template: string, labels: Labels, value: string | undefined): string {
  return template.replace(/\{\{\s*\$(labels\.(\w+)|value)[^}]*\}\}/g, (_m, _all, name) => {
    if (name) return labels[name] ?? ''
    if (value === undefined) throw new Error(`a case needs the rendered $value for "${template}"`)
    return value
  })
}

/** The query in `top_error_codes` runs inside promtool; a case states what it finds. */
function topCodes(alert: string, codes: string | undefined): string {
  if (codes === undefined) throw new Error(`a ${alert} case needs the expected top error codes`)
  return codes
}

function findRule(alert: string, severity: string, settings: RuleSettings): AlertingRule {
  const rules = buildRuleGroups(settings).flatMap((g) => g.rules)
  const rule = rules.find(
    (r): r is AlertingRule => 'alert' in r && r.alert === alert && r.labels.severity === severity
  )
  if (!rule) throw new Error(`no ${severity} rule named ${alert}`)
  return rule
}

/**
 * The promtool test file's content, as an object for YAML. `groupOrder` is the order promtool
 * evaluates the rule groups in at each step; by default the groups' own order, recording rules
 * first. Without it promtool picks a random order per test (it ranges over a Go map), and in
 * the runs where the alert group goes first an alert reads recorded series one interval old:
 * its `$value` differs and the case fails about one run in ten.
 */
export function renderRuleTests(
  cases: readonly RuleTestCase[],
  settings: RuleSettings,
  groupOrder: readonly string[] = buildRuleGroups(settings).map((g) => g.name)
) {
  return {
    rule_files: ['rules.yml'],
    evaluation_interval: '1m',
    group_eval_order: [...groupOrder],
    tests: cases.map((c) => ({
      name: c.name,
      interval: '1m',
      input_series: c.series.map((s) => ({ series: s.series, values: s.values })),
      alert_rule_test: c.alerts.map((check) => ({
        eval_time: check.at,
        alertname: check.alert,
        exp_alerts: check.firing.map((f) => {
          const rule = findRule(check.alert, f.severity, settings)
          const labels: Labels = { job: JOB, ...f.labels }
          const annotations = Object.fromEntries(
            Object.entries(rule.annotations).map(([k, t]) => [
              k,
              k === 'top_error_codes' ? topCodes(check.alert, f.codes) : expand(t, labels, f.value),
            ])
          )
          return { exp_labels: { ...labels, severity: f.severity }, exp_annotations: annotations }
        }),
      })),
      ...(c.exprs && {
        promql_expr_test: c.exprs.map((e) => ({
          expr: e.expr,
          eval_time: e.at,
          exp_samples: e.samples.map((s) => ({ labels: s.labels, value: s.value })),
        })),
      }),
    })),
  }
}
