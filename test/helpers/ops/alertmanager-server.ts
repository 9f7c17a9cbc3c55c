/**
 * A real Alertmanager (Debian's `prometheus-alertmanager` package, installed by `.ci/run`) on a
 * free port, with clustering off and its state in a temporary directory that `close()` removes.
 */

import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { startDaemon } from './daemon.ts'
import { freePort } from './prometheus-server.ts'

export const ALERTMANAGER_BIN = 'prometheus-alertmanager'

export interface AmAlert {
  labels: Record<string, string>
  annotations: Record<string, string>
  status: {
    state: 'active' | 'suppressed' | 'unprocessed'
    inhibitedBy: string[]
    silencedBy: string[]
  }
  receivers: { name: string }[]
}

export interface RunningAlertmanager {
  readonly url: string
  /** The configuration file it runs with (templates copied beside it). */
  readonly configFile: string
  /** Posts alerts as Prometheus does (`/api/v2/alerts`), firing from now on. */
  post(
    alerts: { labels: Record<string, string>; annotations?: Record<string, string> }[]
  ): Promise<void>
  alerts(): Promise<AmAlert[]>
  close(): Promise<void>
}

/**
 * Starts Alertmanager with `config` (an object for YAML) and copies `files` (absolute paths,
 * e.g. the template) into its configuration folder, where the config's relative paths resolve.
 */
export async function startAlertmanager(
  config: object,
  files: readonly string[] = []
): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'dgw-alertmanager-'))
  const configFile = join(dir, 'alertmanager.yml')
  writeFileSync(configFile, stringify(config))
  for (const f of files) copyFileSync(f, join(dir, f.slice(f.lastIndexOf('/') + 1)))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const close = await startDaemon(
    'alertmanager',
    ALERTMANAGER_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No gossip: a lone test instance must not look for peers or bind 9094.
      '--cluster.listen-address=',
    ],
    { url, dir }
  )

  return {
    url,
    configFile,
    async post(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          alerts.map((a) => ({
            labels: a.labels,
            annotations: a.annotations ?? {},
            startsAt: new Date().toISOString(),
          }))
        ),
      })
      if (!res.ok) throw new Error(`POST /api/v2/alerts: ${res.status} ${await res.text()}`)
    },
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`)
      return (await res.json()) as AmAlert[]
    },
    close,
  }
}
