/**
 * Cache: what share of lookups the cache answered, per route, whether the store is healthy,
 * and how many Drive API calls it saved.
 */

import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { RATE, SEL, SEL_ROUTE, newDashboard, responses, timeseriesPanel } from './common.ts'

/** Statuses where no upstream call was made for this response. */
const SERVED_FROM_CACHE = 'drive_cache_status=~"hit|coalesced"'
/**
 * Answered from a cache entry: a revalidated entry (a stale entry the upstream confirmed with a
 * 304) counts like a hit, since the body came from the cache.
 */
const ANSWERED_FROM_CACHE = 'drive_cache_status=~"hit|revalidated|stale|coalesced"'
/** Requests that looked in the cache; bypass (not eligible) and none (CACHE=off) did not. */
const LOOKED_UP = 'drive_cache_status=~"hit|stale|revalidated|coalesced|miss|unavailable"'

export function cacheDashboard(): DashboardBuilder {
  return newDashboard(
    'drive-gateway-cache',
    'Drive gateway / Cache',
    'Cache outcomes per route, cache store health and the Drive API calls the cache saved.'
  )
    .withRow(new RowBuilder('Outcomes'))
    .withPanel(
      timeseriesPanel(
        'Cache status share per route',
        [
          {
            expr:
              `${responses('http_route, drive_cache_status', 'drive_cache_status!="none"')}\n` +
              `/ ignoring (drive_cache_status) group_left\n` +
              `${responses('http_route', 'drive_cache_status!="none"')}`,
            legend: '{{http_route}} {{drive_cache_status}}',
          },
        ],
        {
          description:
            'hit, stale (served while revalidating), revalidated (confirmed by a 304, body ' +
            'served from the cache), coalesced (waited for another request), miss, bypass (not ' +
            'eligible), unavailable (store failing).',
          unit: 'percentunit',
          width: 12,
          max: 1,
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        'Hit ratio of cache lookups',
        [
          {
            expr: `${responses('job', ANSWERED_FROM_CACHE)}\n/ ${responses('job', LOOKED_UP)}`,
            legend: 'answered from cache',
          },
        ],
        {
          description:
            'Of eligible lookups, the share answered from a cache entry (hit, revalidated, ' +
            'stale or coalesced).',
          unit: 'percentunit',
          width: 12,
          max: 1,
        }
      )
    )
    .withRow(new RowBuilder('Savings and store health'))
    .withPanel(
      timeseriesPanel(
        'Drive API calls saved',
        [
          { expr: responses('job', SERVED_FROM_CACHE), legend: 'saved (hit + coalesced)' },
          {
            expr: `sum by (job) (rate(http_client_request_duration_seconds_count{${SEL_ROUTE}}${RATE}))`,
            legend: 'upstream calls made',
          },
        ],
        {
          description:
            'Responses sent without an upstream call of their own, against the calls made. ' +
            'A stale hit still costs one background refresh, and a revalidated one a conditional ' +
            'request, so neither is counted as saved.',
          unit: 'reqps',
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        'Cache store up',
        [{ expr: `drive_gateway_cache_store_up{${SEL}}`, legend: '{{instance}}' }],
        {
          description: '1 while the store answers; 0 while the circuit breaker is open.',
          unit: 'none',
          max: 1,
          thresholds: [{ value: 1, color: 'green' }],
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        'Cache store errors by operation',
        [
          {
            expr: `sum by (operation) (rate(drive_gateway_cache_store_errors_total{${SEL}}${RATE}))`,
            legend: '{{operation}}',
          },
        ],
        {
          description: `Store calls that failed or took longer than CACHE_STORE_TIMEOUT_MS.`,
          unit: 'ops',
        }
      )
    )
}
