/**
 * What the four dashboards share: variables, label selectors, panel factories. Panels query
 * through the `datasource` variable so one JSON works against any Prometheus, and use
 * `$__rate_interval` so a rate always spans at least four scrapes.
 */

import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard'
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard'
import {
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  StackingConfigBuilder,
  StackingMode,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common'
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus'
import * as table from '@grafana/grafana-foundation-sdk/table'
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries'

export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' }

export const TAG = 'drive-gateway'

/** Instance and route may be several or all (`.*`); the job is one, as SLOs are per job. */
export const SEL = 'job="$job",instance=~"$instance"'
export const SEL_ROUTE = `${SEL},http_route=~"$route"`

export const RATE = '[$__rate_interval]'

/**
 * The response counter (docs/architecture.md, "Metrics") with extra matchers, rated and summed
 * `by`.
 */
export function responses(by: string, matchers = ''): string {
  const sel = matchers ? `${SEL_ROUTE},${matchers}` : SEL_ROUTE
  return `sum by (${by}) (rate(drive_gateway_responses_total{${sel}}${RATE}))`
}

/**
 * `histogram_quantile` over a duration histogram, keeping `by` labels. Grouped by `le` only
 * after summing away instance, so replicas combine into one distribution.
 */
export function quantile(q: number, histogram: string, matchers: string, by = ''): string {
  const group = by ? `${by}, le` : 'le'
  return `histogram_quantile(${q}, sum by (${group}) (rate(${histogram}_bucket{${matchers}}${RATE})))`
}

export function newDashboard(uid: string, title: string, description: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([TAG])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .editable()
    .link(
      new DashboardLinkBuilder('Drive gateway')
        .type(DashboardLinkType.Dashboards)
        .tags([TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true)
    )
    .withVariable(
      new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus')
    )
    .withVariable(query('job', 'Job', 'label_values(drive_gateway_build_info, job)').multi(false))
    .withVariable(
      query('instance', 'Instance', 'label_values(drive_gateway_build_info{job="$job"}, instance)')
        .multi(true)
        .includeAll(true)
        .allValue('.*')
    )
    .withVariable(
      query('route', 'Route', 'label_values(drive_gateway_responses_total{job="$job"}, http_route)')
        .multi(true)
        .includeAll(true)
        .allValue('.*')
    )
}

function query(name: string, label: string, q: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(q)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
}

export interface Target {
  readonly expr: string
  readonly legend: string
  /** Link exemplars (trace ids) from this series to the trace backend. */
  readonly exemplar?: boolean
}

function target(t: Target, i: number): DataqueryBuilder {
  return new DataqueryBuilder()
    .datasource(DATASOURCE)
    .expr(t.expr)
    .legendFormat(t.legend)
    .refId(String.fromCharCode(65 + i))
    .exemplar(t.exemplar ?? false)
}

export interface PanelOptions {
  readonly description: string
  readonly unit: string
  readonly width?: number
  /** Threshold lines drawn on the graph, e.g. an alert's ticket and page levels. */
  readonly thresholds?: readonly { value: number; color: string }[]
  readonly stacked?: boolean
  readonly max?: number
}

export function timeseriesPanel(
  title: string,
  targets: readonly Target[],
  o: PanelOptions
): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(title)
    .description(o.description)
    .datasource(DATASOURCE)
    .unit(o.unit)
    .span(o.width ?? 8)
    .height(8)
    .min(0)
    .fillOpacity(o.stacked ? 30 : 10)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom)
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi))
  if (o.max !== undefined) panel.max(o.max)
  if (o.stacked) panel.stacking(new StackingConfigBuilder().mode(StackingMode.Normal))
  if (o.thresholds) {
    panel
      .thresholds(
        new ThresholdsConfigBuilder()
          .mode(ThresholdsMode.Absolute)
          .steps([{ value: null, color: 'transparent' }, ...o.thresholds])
      )
      .thresholdsStyle(
        new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed)
      )
  }
  targets.forEach((t, i) => panel.withTarget(target(t, i)))
  return panel
}

/** An instant-query table, for "top N" views over the dashboard's time range. */
export function tablePanel(
  title: string,
  t: Target,
  o: { description: string; width?: number }
): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(title)
    .description(o.description)
    .datasource(DATASOURCE)
    .span(o.width ?? 12)
    .height(8)
    .withTarget(target(t, 0).instant().format(PromQueryFormat.Table))
}
