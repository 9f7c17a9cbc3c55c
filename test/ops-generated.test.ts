import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { renderDashboards } from '../dashboards/src/index.ts'
import { renderDeployFiles } from '../deploy/render.ts'
import { ROOT } from './helpers/ops/promql.ts'

// Dashboards, rules and manifests are generated from TypeScript and committed, because Grafana,
// Prometheus and kubectl read the files. A source change without `npm run dashboards` fails here.
describe('generated ops files', () => {
  const files = [...renderDashboards(), ...renderDeployFiles()]

  it.each(files.map(([path, content]) => ({ path, content })))(
    'Should have $path up to date with its source',
    ({ path, content }) => {
      let committed: string
      try {
        committed = readFileSync(ROOT + path, 'utf8')
      } catch {
        throw new Error(
          `${path} is missing: run node dashboards/generate.ts && node deploy/generate.ts`
        )
      }
      expect(committed, `${path} is stale: regenerate it`).toBe(content)
    }
  )
})
