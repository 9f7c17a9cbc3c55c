/**
 * Writes the Grafana dashboards from `dashboards/src/*.ts` into `dashboards/*.json`, which
 * Grafana provisioning reads. `node dashboards/generate.ts` regenerates; `--check` only reports
 * stale files and exits 1.
 */

import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderDashboards } from './src/index.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const check = process.argv.includes('--check')
let stale = 0
for (const [path, content] of renderDashboards()) {
  let current: string | undefined
  try {
    current = readFileSync(root + path, 'utf8')
  } catch {
    current = undefined
  }
  if (current === content) continue
  stale++
  if (check) console.error(`stale: ${path}`)
  else writeFileSync(root + path, content)
}
if (check && stale > 0) process.exit(1)
console.log(check ? 'dashboards up to date' : `dashboards written (${stale} changed)`)
