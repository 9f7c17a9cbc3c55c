/**
 * `promtool test rules` cases for `rules.yml`, written as data so each alert's expected
 * annotations are expanded from the same templates the rule carries (promtool compares them
 * exactly). `deploy/generate.ts` writes them to `deploy/prometheus/rules.test.yml`; run it with
 * `promtool test rules deploy/prometheus/rules.test.yml`.
 *
 * Series notation: `a+bxN` is N+1 samples from a, stepping b; `_` is a missing sample; the
 * interval is 1 m, so `0+6000x70` is 100 requests per second for 70 minutes.
 */

import { RULE_SETTINGS, type RuleSettings } from './rules.ts'
import {
  JOB,
  base,
  durations,
  none,
  renderRuleTests,
  responses,
  selector,
  type RuleTestCase,
} from './rule-test-kit.ts'

const BURN = 'DriveGatewayErrorBudgetBurn'
const LRT = 'DriveGatewayLongRunningTransactions'
const LRT_RATE = 'DriveGatewayLongRunningTransactionRate'
const UPSTREAM = 'DriveGatewayUpstreamFailures'
const RATE_LIMITED = 'DriveGatewayRateLimited'
const STORE = 'DriveGatewayCacheStoreDown'
const TARGET = 'DriveGatewayTargetDown'
const LATENCY = 'DriveGatewayLatencyHigh'

export const RULE_TEST_CASES: readonly RuleTestCase[] = [
  {
    name: 'fast burn (5 % 5xx) pages, then opens a ticket; the page ends once both short windows clear',
    series: [
      responses('200', '0+5700x90'),
      // 5xx from 6 m to 41 m, then none.
      responses('503', '0x5 0+300x35 10500x49', { drive_error_code: 'SERVICE_MAINTENANCE' }),
      responses('598', '0+30x90', { drive_error_code: 'LONG_RUNNING_TRANSACTION' }),
    ],
    alerts: [
      ...none('5m', BURN),
      {
        at: '15m',
        alert: BURN,
        firing: [{ severity: 'page', value: '3.046%', codes: 'SERVICE_MAINTENANCE' }],
      },
      {
        at: '30m',
        alert: BURN,
        firing: [
          { severity: 'page', value: '4.02%', codes: 'SERVICE_MAINTENANCE' },
          { severity: 'ticket', value: '4.02%', codes: 'SERVICE_MAINTENANCE' },
        ],
      },
      // 75 m: the 5 m and 30 m windows hold no error; the 1 d / 2 h ticket goes on.
      {
        at: '75m',
        alert: BURN,
        firing: [{ severity: 'ticket', value: '2.385%', codes: 'SERVICE_MAINTENANCE' }],
      },
      ...none('30m', LRT, LRT_RATE, UPSTREAM, RATE_LIMITED, LATENCY),
    ],
    exprs: [
      {
        // 300 errors of 6030 responses: the 598s count in the denominator only.
        at: '20m',
        expr: 'job:drive_gateway_slo_errors_per_responses:ratio_rate5m',
        samples: [
          {
            labels: `job:drive_gateway_slo_errors_per_responses:ratio_rate5m{job="${JOB}"}`,
            value: 300 / 6030,
          },
        ],
      },
    ],
  },
  {
    name: 'slow burn (0.5 % 5xx, 5x the budget) opens a ticket and never pages',
    series: [
      responses('200', '0+5970x150'),
      responses('500', '0+30x150', { drive_error_code: 'INTERNAL_SERVER_ERROR' }),
    ],
    alerts: [
      ...none('10m', BURN),
      {
        at: '30m',
        alert: BURN,
        firing: [{ severity: 'ticket', value: '0.5%', codes: 'INTERNAL_SERVER_ERROR' }],
      },
      {
        at: '150m',
        alert: BURN,
        firing: [{ severity: 'ticket', value: '0.5%', codes: 'INTERNAL_SERVER_ERROR' }],
      },
    ],
  },
  {
    name: 'healthy (0.05 % 5xx, under the budget): no alert',
    series: [
      responses('200', '0+5997x150'),
      responses('503', '0+3x150', { drive_error_code: 'SERVICE_MAINTENANCE' }),
    ],
    alerts: [...none('60m', BURN), ...none('150m', BURN)],
  },
  {
    name: '598 are left out of the SLO and page on their own ratio (15 %) and rate',
    series: [
      responses('200', '0+5100x60'),
      responses('500', '0x60', { drive_error_code: 'INTERNAL_SERVER_ERROR' }),
      responses('598', '0+900x60', { drive_error_code: 'LONG_RUNNING_TRANSACTION' }),
    ],
    alerts: [
      ...none('3m', LRT),
      ...none('30m', BURN),
      {
        at: '30m',
        alert: LRT,
        firing: [
          { severity: 'page', value: '15%', codes: 'LONG_RUNNING_TRANSACTION' },
          { severity: 'ticket', value: '15%', codes: 'LONG_RUNNING_TRANSACTION' },
        ],
      },
      {
        at: '30m',
        alert: LRT_RATE,
        firing: [{ severity: 'ticket', value: '15', codes: 'LONG_RUNNING_TRANSACTION' }],
      },
    ],
    exprs: [
      {
        at: '30m',
        expr: 'job:drive_gateway_slo_errors_per_responses:ratio_rate1h',
        samples: [
          {
            labels: `job:drive_gateway_slo_errors_per_responses:ratio_rate1h{job="${JOB}"}`,
            value: 0,
          },
        ],
      },
    ],
  },
  {
    name: "the gateway's NOT_CACHED 504 is left out of the SLO; its INTERNAL_ERROR 500 counts",
    series: [
      responses('200', '0+5400x30'),
      // only-if-cached without an entry: the client asked not to reach the Drive API.
      responses('504', '0+300x30', { drive_error_code: 'NOT_CACHED' }),
      responses('500', '0+300x30', { drive_error_code: 'INTERNAL_ERROR' }),
    ],
    alerts: [
      {
        at: '10m',
        alert: BURN,
        firing: [{ severity: 'page', value: '5%', codes: 'INTERNAL_ERROR' }],
      },
    ],
    exprs: [
      {
        // 300 errors of 6000 responses: the NOT_CACHED 504s count in the denominator only.
        at: '10m',
        expr: 'job:drive_gateway_slo_errors_per_responses:ratio_rate5m',
        samples: [
          {
            labels: `job:drive_gateway_slo_errors_per_responses:ratio_rate5m{job="${JOB}"}`,
            value: 0.05,
          },
        ],
      },
    ],
  },
  {
    name: 'sustained 2 % 598 at low rate opens a ticket, no page, no rate alert',
    series: [
      responses('200', '0+588x60'),
      responses('598', '0+12x60', { drive_error_code: 'LONG_RUNNING_TRANSACTION' }),
    ],
    alerts: [
      ...none('10m', LRT),
      {
        at: '50m',
        alert: LRT,
        firing: [{ severity: 'ticket', value: '2%', codes: 'LONG_RUNNING_TRANSACTION' }],
      },
      ...none('50m', LRT_RATE, BURN),
    ],
  },
  {
    name: '598 at 5 per second under 1 % of heavy traffic: rate alert only',
    series: [
      responses('200', '0+59700x40'),
      responses('598', '0+300x40', { drive_error_code: 'LONG_RUNNING_TRANSACTION' }),
    ],
    alerts: [
      ...none('5m', LRT_RATE),
      {
        at: '20m',
        alert: LRT_RATE,
        firing: [{ severity: 'ticket', value: '5', codes: 'LONG_RUNNING_TRANSACTION' }],
      },
      ...none('40m', LRT),
    ],
  },
  {
    name: 'low traffic: a handful of failures on a quiet sidecar never alerts',
    series: [
      responses('200', '0x10 3x60'),
      responses('503', '0x10 2x60', { drive_error_code: 'SERVICE_MAINTENANCE' }),
      responses('598', '0x10 1x60', { drive_error_code: 'LONG_RUNNING_TRANSACTION' }),
      responses('429', '0x10 2x60', { drive_error_code: 'TOO_MANY_REQUESTS' }),
      responses('502', '0x10 2x60', { drive_error_code: 'UPSTREAM_UNREACHABLE' }),
      // Three requests between 2.5 and 5 s: p99 is over 2.5 s, but three are not a trend.
      ...durations('/files/{resourceKey}', '200', {
        '1': '0x70',
        '2.5': '0x70',
        '5': '0x10 3x60',
        '+Inf': '0x10 3x60',
      }),
    ],
    alerts: [
      ...none('12m', BURN, LRT, LRT_RATE, UPSTREAM, RATE_LIMITED, LATENCY),
      ...none('60m', BURN, LRT, LRT_RATE, UPSTREAM, RATE_LIMITED, LATENCY),
    ],
  },
  {
    name: 'low traffic but fully down (6 requests a minute, all 503) still pages',
    series: [responses('503', '0+6x60', { drive_error_code: 'SERVICE_MAINTENANCE' })],
    alerts: [
      {
        at: '10m',
        alert: BURN,
        firing: [{ severity: 'page', value: '100%', codes: 'SERVICE_MAINTENANCE' }],
      },
    ],
  },
  {
    name: 'gateway-made UPSTREAM_UNREACHABLE (5 %) raises the upstream-failure alert',
    series: [
      responses('200', '0+5700x30'),
      responses('502', '0x5 0+300x25', { drive_error_code: 'UPSTREAM_UNREACHABLE' }),
    ],
    alerts: [
      ...none('5m', UPSTREAM),
      {
        at: '20m',
        alert: UPSTREAM,
        firing: [
          {
            severity: 'ticket',
            labels: { drive_error_code: 'UPSTREAM_UNREACHABLE' },
            value: '5%',
          },
        ],
      },
    ],
  },
  {
    name: "the Drive API's own 502/504 (and a forged UPSTREAM_* code, labelled OTHER) are not gateway-made",
    series: [
      responses('200', '0+5400x30'),
      responses('502', '0+300x30', { drive_error_code: 'OTHER' }),
      responses('504', '0+300x30', { drive_error_code: 'UNKNOWN' }),
    ],
    alerts: [...none('20m', UPSTREAM)],
  },
  {
    name: '429 on 5 % of calls for 10 minutes: rate-limited ticket; 0.5 % does not',
    series: [
      responses('200', '0+5700x30', { instance: 'gw-0:9464' }),
      responses('429', '0+300x30', { drive_error_code: 'TOO_MANY_REQUESTS' }),
    ],
    alerts: [
      ...none('8m', RATE_LIMITED),
      { at: '20m', alert: RATE_LIMITED, firing: [{ severity: 'ticket', value: '5%' }] },
    ],
  },
  {
    name: '429 on 0.5 % of calls: no alert',
    series: [
      responses('200', '0+5970x30'),
      responses('429', '0+30x30', { drive_error_code: 'TOO_MANY_REQUESTS' }),
    ],
    alerts: [...none('25m', RATE_LIMITED)],
  },
  {
    name: 'cache store down for 5 minutes alerts; a flapping store (breaker probes) does not',
    series: [
      { series: selector('drive_gateway_cache_store_up', base), values: '1x5 0x20' },
      {
        series: selector('drive_gateway_cache_store_up', { ...base, instance: 'gw-1:9464' }),
        values: '1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1',
      },
    ],
    alerts: [
      ...none('8m', STORE),
      {
        at: '15m',
        alert: STORE,
        firing: [{ severity: 'ticket', labels: { instance: 'gw-0:9464' } }],
      },
    ],
  },
  {
    name: 'target down alerts for the compose and the PodMonitor job names, not for other jobs',
    series: [
      { series: selector('up', base), values: '1x5 0x20' },
      { series: selector('up', { job: `apps/${JOB}`, instance: '10.0.0.7:9464' }), values: '0x25' },
      { series: selector('up', { job: 'other-app', instance: 'x:80' }), values: '0x25' },
      { series: selector('up', { ...base, instance: 'gw-1:9464' }), values: '1x25' },
    ],
    alerts: [
      ...none('3m', TARGET),
      {
        at: '15m',
        alert: TARGET,
        firing: [
          { severity: 'ticket', labels: { instance: 'gw-0:9464' } },
          { severity: 'ticket', labels: { job: `apps/${JOB}`, instance: '10.0.0.7:9464' } },
        ],
      },
    ],
  },
  {
    name: 'p99 over 2.5 s on lookups alerts; slow downloads, uploads and 598 do not count',
    series: [
      // 100 lookups a minute, 5 of them between 2.5 and 5 s: p99 lands in that bucket.
      ...durations('/files/{resourceKey}', '200', { '1': 90, '2.5': 95, '5': 100, '+Inf': 100 }),
      // Transfers and 598s are all slow, and numerous.
      ...durations('/files/{resourceKey}/download', '200', {
        '1': 0,
        '2.5': 0,
        '5': 0,
        '+Inf': 500,
      }),
      ...durations('/files', '200', { '1': 0, '2.5': 0, '5': 0, '+Inf': 500 }),
      ...durations('/files/{resourceKey}', '598', { '1': 0, '2.5': 0, '5': 0, '+Inf': 500 }),
    ],
    alerts: [
      ...none('5m', LATENCY),
      { at: '20m', alert: LATENCY, firing: [{ severity: 'ticket', value: '4.5s' }] },
    ],
  },
  {
    name: 'p99 with only transfers and 598 slow: no latency alert',
    series: [
      ...durations('/files/{resourceKey}', '200', { '1': 100, '2.5': 100, '5': 100, '+Inf': 100 }),
      ...durations('/users/{userId}/drive/files/{fileId}/download', '200', {
        '1': 0,
        '2.5': 0,
        '5': 0,
        '+Inf': 500,
      }),
      ...durations('/files/{resourceKey}', '598', { '1': 0, '2.5': 0, '5': 0, '+Inf': 500 }),
    ],
    alerts: [...none('30m', LATENCY)],
  },
]

/**
 * The promtool test file's content, as an object for YAML. `groupOrder` overrides the group
 * evaluation order (a test reverses it to show the order matters).
 */
export function buildRuleTests(settings: RuleSettings = RULE_SETTINGS, groupOrder?: string[]) {
  return renderRuleTests(RULE_TEST_CASES, settings, groupOrder)
}
