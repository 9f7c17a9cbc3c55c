/** The dashboards, each with the file it is generated into. */

import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { cacheDashboard } from './cache.ts'
import { errorsDashboard } from './errors.ts'
import { overviewDashboard } from './overview.ts'
import { runtimeDashboard } from './runtime.ts'

export const DASHBOARDS: readonly { file: string; build: () => DashboardBuilder }[] = [
  { file: 'dashboards/drive-gateway-overview.json', build: overviewDashboard },
  { file: 'dashboards/drive-gateway-errors.json', build: errorsDashboard },
  { file: 'dashboards/drive-gateway-cache.json', build: cacheDashboard },
  { file: 'dashboards/drive-gateway-runtime.json', build: runtimeDashboard },
]

/** Repository-relative path → JSON text, as committed. */
export function renderDashboards(): Map<string, string> {
  return new Map(DASHBOARDS.map((d) => [d.file, JSON.stringify(d.build().build(), null, 2) + '\n']))
}
