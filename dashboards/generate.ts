/**
 * Writes the Grafana dashboards from `dashboards/src/*.ts` into `dashboards/*.json`, which
 * Grafana provisioning reads. `node dashboards/generate.ts` regenerates; `--check` only reports
 * stale files and exits 1.
 */

import { writeGenerated } from '../deploy/write-generated.ts'
import { renderDashboards } from './src/index.ts'

writeGenerated(renderDashboards(), 'dashboards')
