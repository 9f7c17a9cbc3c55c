/**
 * Errors: every status and Drive error code over time, which routes produce each code, and
 * gateway-made errors apart from the Drive API's own, so an on-call engineer can tell "the
 * network or the gateway" from "the Drive API" at a glance.
 */

import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { RULE_SETTINGS } from '../../deploy/prometheus/rules.ts'
import {
  RATE,
  SEL,
  SEL_ROUTE,
  newDashboard,
  responses,
  tablePanel,
  timeseriesPanel,
} from './common.ts'

/**
 * Codes only the gateway emits (docs/architecture.md, error catalog); the same code from the
 * upstream is labelled OTHER.
 */
export const GATEWAY_CODES =
  'UPSTREAM_TIMEOUT|UPSTREAM_UNREACHABLE|UPSTREAM_BAD_RESPONSE|REQUEST_TOO_LARGE|INVALID_PATH|' +
  'INTERNAL_ERROR|NOT_CACHED'

export function errorsDashboard(): DashboardBuilder {
  return newDashboard(
    'drive-gateway-errors',
    'Drive gateway / Errors',
    'Every status and Drive error code, by route; gateway-made errors apart from the Drive API.'
  )
    .withRow(new RowBuilder('Statuses and codes'))
    .withPanel(
      timeseriesPanel(
        'Responses by status',
        [{ expr: responses('http_response_status_code'), legend: '{{http_response_status_code}}' }],
        {
          description:
            'Every status sent to clients; 499 means the client left before the response.',
          unit: 'reqps',
          stacked: true,
          width: 12,
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        'Errors by Drive error code',
        [
          {
            expr: responses('http_response_status_code, drive_error_code', 'drive_error_code!=""'),
            legend: '{{http_response_status_code}} {{drive_error_code}}',
          },
        ],
        {
          description:
            'Non-2xx/3xx responses by the code in their body. UNKNOWN: no readable code; ' +
            'OTHER: past ERROR_CODE_LABEL_CAP, or an upstream sending a gateway code.',
          unit: 'reqps',
          stacked: true,
          width: 12,
        }
      )
    )
    .withPanel(
      tablePanel(
        'Top routes per error code (time range)',
        {
          expr:
            'topk by (drive_error_code) (5, sum by (drive_error_code, http_route) ' +
            `(increase(drive_gateway_responses_total{${SEL_ROUTE},drive_error_code!=""}[$__range])))`,
          legend: '{{drive_error_code}} {{http_route}}',
        },
        { description: 'The five routes with the most responses of each code over the time range.' }
      )
    )
    .withPanel(
      timeseriesPanel(
        '598 ratio (own threshold)',
        [
          {
            expr: `${responses('job', 'http_response_status_code="598"')}\n/ ${responses('job')}`,
            legend: '598 ratio',
          },
        ],
        {
          description:
            '598 LONG_RUNNING_TRANSACTION is outside the availability SLO and alerted on its own: ' +
            'ticket and page levels dashed.',
          unit: 'percentunit',
          width: 12,
          thresholds: [
            { value: RULE_SETTINGS.longRunningTicketRatio, color: 'orange' },
            { value: RULE_SETTINGS.longRunningPageRatio, color: 'red' },
          ],
        }
      )
    )
    .withRow(new RowBuilder('Gateway-made vs upstream'))
    .withPanel(
      timeseriesPanel(
        'Gateway-made errors',
        [
          {
            expr: responses('drive_error_code', `drive_error_code=~"${GATEWAY_CODES}"`),
            legend: '{{drive_error_code}}',
          },
        ],
        {
          description:
            'Answered by the gateway itself: UPSTREAM_* when the Drive API gave no usable ' +
            'response, REQUEST_TOO_LARGE and INVALID_PATH for rejected requests, NOT_CACHED ' +
            '(504) for only-if-cached without an entry (outside the SLI), INTERNAL_ERROR (500) ' +
            'for a fault in the gateway (counted in the SLI).',
          unit: 'reqps',
          stacked: true,
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        'Drive API 5xx (passed through)',
        [
          {
            expr: responses(
              'http_response_status_code, drive_error_code',
              `http_response_status_code=~"5..",drive_error_code!~"${GATEWAY_CODES}"`
            ),
            legend: '{{http_response_status_code}} {{drive_error_code}}',
          },
        ],
        {
          description:
            'Server errors the Drive API sent, passed to clients untouched (598 included).',
          unit: 'reqps',
          stacked: true,
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        'Rate limited (429)',
        [
          {
            expr: `${responses('job', 'http_response_status_code="429"')}\n/ ${responses('job')}`,
            legend: '429 ratio',
          },
        ],
        {
          description: 'Share of calls the Drive API rate limited; dashed: the alert level.',
          unit: 'percentunit',
          thresholds: [{ value: RULE_SETTINGS.rateLimitedRatio, color: 'orange' }],
        }
      )
    )
    .withRow(new RowBuilder('Broken and refused'))
    .withPanel(
      timeseriesPanel(
        'Aborted responses by side',
        [
          {
            expr: `sum by (side) (rate(drive_gateway_aborted_responses_total{${SEL_ROUTE}}${RATE}))`,
            legend: '{{side}}',
          },
        ],
        {
          description:
            'Bodies cut off after they started: side=upstream when the Drive API broke the ' +
            'stream, side=client when the client went away, side=gateway when the shutdown ' +
            'drain deadline cut it.',
          unit: 'reqps',
          width: 12,
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        'Requests refused before routing',
        [
          {
            expr: `sum by (reason) (rate(drive_gateway_rejected_requests_total{${SEL}}${RATE}))`,
            legend: '{{reason}}',
          },
        ],
        {
          description:
            'Refused by Node before any route ran: headers too large, bad requests, timeouts.',
          unit: 'reqps',
          width: 12,
        }
      )
    )
}
