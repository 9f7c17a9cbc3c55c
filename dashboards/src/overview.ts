/**
 * Drive API overview: the RED view (rate, errors, duration) by route, plus the SLO burn rates
 * the alerts page on. Latency leaves out transfer routes, as the latency SLI does.
 */

import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import {
  BURN_RATES,
  NOT_TRANSFER,
  RULE_SETTINGS,
  SLO_ERROR,
  errorBudget,
  num,
  recorded,
} from '../../deploy/prometheus/rules.ts'
import { SEL_ROUTE, newDashboard, quantile, responses, timeseriesPanel } from './common.ts'

const budget = errorBudget(RULE_SETTINGS)
const [page, slowPage] = BURN_RATES.page

export function overviewDashboard(): DashboardBuilder {
  const latencySel = `${SEL_ROUTE},${NOT_TRANSFER}`
  return newDashboard(
    'drive-gateway-overview',
    'Drive gateway / Overview',
    'Requests through the Drive API gateway: rate, errors and latency by route.'
  )
    .withRow(new RowBuilder('Traffic and errors'))
    .withPanel(
      timeseriesPanel(
        'Request rate by route',
        [{ expr: responses('http_route'), legend: '{{http_route}}' }],
        {
          description: 'Responses sent to clients per second, cache hits included.',
          unit: 'reqps',
          stacked: true,
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        '5xx ratio by route (SLI: 598 and NOT_CACHED excluded)',
        [
          {
            expr: `${responses('http_route', SLO_ERROR)}\n/ ${responses('http_route')}`,
            legend: '{{http_route}}',
          },
        ],
        {
          description:
            'Share of responses that count against the availability SLO: 5xx except 598 and ' +
            "the gateway's NOT_CACHED 504 (only-if-cached without an entry); gateway-made " +
            '502/504 and INTERNAL_ERROR 500 included. The dashed line is the 1 h page threshold.',
          unit: 'percentunit',
          thresholds: [{ value: Number(num(page.factor * budget)), color: 'red' }],
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        '598 ratio by route',
        [
          {
            expr: `${responses('http_route', 'http_response_status_code="598"')}\n/ ${responses('http_route')}`,
            legend: '{{http_route}}',
          },
        ],
        {
          description:
            '598 LONG_RUNNING_TRANSACTION: the Drive API is still working after 30 s. Dashed: ' +
            'ticket and page levels of DriveGatewayLongRunningTransactions.',
          unit: 'percentunit',
          thresholds: [
            { value: RULE_SETTINGS.longRunningTicketRatio, color: 'orange' },
            { value: RULE_SETTINGS.longRunningPageRatio, color: 'red' },
          ],
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        '4xx by Drive error code',
        [
          {
            expr: responses('drive_error_code', 'http_response_status_code=~"4.."'),
            legend: '{{drive_error_code}}',
          },
        ],
        {
          description: 'Client errors by the code in the Drive error body (UNKNOWN: no code).',
          unit: 'reqps',
          stacked: true,
          width: 12,
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        'Error budget burn rate',
        (['5m', '30m', '1h', '6h'] as const).map((w) => ({
          expr: `${recorded.sloErrorRatio(w)}{job="$job"} / ${budget}`,
          legend: w,
        })),
        {
          description:
            `Error ratio divided by the budget (SLO ${num(RULE_SETTINGS.sloTarget * 100)} %): 1 ` +
            'spends the 30-day budget in exactly 30 days. Pages at ' +
            `${page.factor} (${page.long} and ${page.short}) or ` +
            `${slowPage.factor} (${slowPage.long} and ${slowPage.short}).`,
          unit: 'none',
          width: 12,
          thresholds: [
            { value: slowPage.factor, color: 'orange' },
            { value: page.factor, color: 'red' },
          ],
        }
      )
    )
    .withRow(new RowBuilder('Latency (transfers excluded)'))
    .withPanel(
      timeseriesPanel(
        'Latency p50 / p90 / p99',
        [0.5, 0.9, 0.99].map((q) => ({
          expr: quantile(q, 'http_server_request_duration_seconds', latencySel),
          legend: `p${q * 100}`,
          exemplar: true,
        })),
        {
          description:
            'Until the last byte is written, downloads and uploads left out. Exemplar dots ' +
            'open the trace of a request in that bucket.',
          unit: 's',
          thresholds: [{ value: RULE_SETTINGS.latencyP99Seconds, color: 'red' }],
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        'p99 by route',
        [
          {
            expr: quantile(0.99, 'http_server_request_duration_seconds', latencySel, 'http_route'),
            legend: '{{http_route}}',
            exemplar: true,
          },
        ],
        { description: 'Slowest routes first to look at when p99 rises.', unit: 's' }
      )
    )
    .withPanel(
      timeseriesPanel(
        'Upstream latency p99 by host',
        [
          {
            expr: quantile(
              0.99,
              'http_client_request_duration_seconds',
              latencySel,
              'server_address'
            ),
            legend: '{{server_address}}',
          },
        ],
        {
          description: 'Drive API time to response headers, as the gateway measured it.',
          unit: 's',
        }
      )
    )
}
