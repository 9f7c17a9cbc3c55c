/**
 * Runtime: the gateway process itself (event loop, memory, CPU, concurrency) and where request
 * time goes (upstream vs total), to tell a slow Drive API from a busy gateway.
 */

import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { NOT_TRANSFER } from '../../deploy/prometheus/rules.ts'
import {
  RATE,
  SEL,
  SEL_ROUTE,
  newDashboard,
  quantile,
  tablePanel,
  timeseriesPanel,
} from './common.ts'

export function runtimeDashboard(): DashboardBuilder {
  const latencySel = `${SEL_ROUTE},${NOT_TRANSFER}`
  return newDashboard(
    'drive-gateway-runtime',
    'Drive gateway / Runtime',
    'Node.js process health of each gateway and upstream time against total time.'
  )
    .withRow(new RowBuilder('Process'))
    .withPanel(
      timeseriesPanel(
        'Event-loop lag',
        [
          { expr: `nodejs_eventloop_lag_p99_seconds{${SEL}}`, legend: 'p99 {{instance}}' },
          { expr: `nodejs_eventloop_lag_seconds{${SEL}}`, legend: 'now {{instance}}' },
        ],
        {
          description: 'Time a ready callback waits; every request on the instance waits as long.',
          unit: 's',
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        'Memory',
        [
          { expr: `process_resident_memory_bytes{${SEL}}`, legend: 'RSS {{instance}}' },
          { expr: `nodejs_heap_size_used_bytes{${SEL}}`, legend: 'heap used {{instance}}' },
          { expr: `nodejs_heap_size_total_bytes{${SEL}}`, legend: 'heap total {{instance}}' },
        ],
        {
          description: 'Resident set against the V8 heap; compare RSS with the pod limit.',
          unit: 'bytes',
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        'CPU',
        [{ expr: `rate(process_cpu_seconds_total{${SEL}}${RATE})`, legend: '{{instance}}' }],
        {
          description: 'Cores used; one process uses at most one core for JavaScript.',
          unit: 'percentunit',
        }
      )
    )
    .withPanel(
      timeseriesPanel(
        'Active requests',
        [
          {
            expr: `sum by (instance) (http_server_active_requests{${SEL}})`,
            legend: '{{instance}}',
          },
        ],
        { description: 'Requests in flight, long transfers included.', unit: 'none' }
      )
    )
    .withPanel(
      timeseriesPanel(
        'Open file descriptors',
        [
          { expr: `process_open_fds{${SEL}}`, legend: 'open {{instance}}' },
          { expr: `process_max_fds{${SEL}}`, legend: 'max {{instance}}' },
        ],
        { description: 'Sockets to clients, the Drive API and Redis count here.', unit: 'none' }
      )
    )
    .withPanel(
      timeseriesPanel(
        'GC time',
        [
          {
            expr: `sum by (instance, kind) (rate(nodejs_gc_duration_seconds_sum{${SEL}}${RATE}))`,
            legend: '{{kind}} {{instance}}',
          },
        ],
        { description: 'Share of time spent collecting garbage, by kind.', unit: 'percentunit' }
      )
    )
    .withRow(new RowBuilder('Where the time goes (transfers excluded)'))
    .withPanel(
      timeseriesPanel(
        'Upstream vs total latency p99',
        [
          {
            expr: quantile(0.99, 'http_server_request_duration_seconds', latencySel),
            legend: 'total (client view)',
            exemplar: true,
          },
          {
            expr: quantile(0.99, 'http_client_request_duration_seconds', latencySel),
            legend: 'upstream (to headers)',
          },
        ],
        {
          description:
            'Total far above upstream: time spent in the gateway (event loop, cache store) or ' +
            'in streaming the body. Cache hits pull total below upstream.',
          unit: 's',
          width: 16,
        }
      )
    )
    .withPanel(
      tablePanel(
        'Versions',
        { expr: `drive_gateway_build_info{${SEL}}`, legend: '{{version}}' },
        { description: 'Gateway and Node versions per instance.', width: 8 }
      )
    )
}
