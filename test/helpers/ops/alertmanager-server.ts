/**
 * A real Alertmanager (Debian's `prometheus-alertmanager` package, installed by `.ci/run`) on a
 * free port, with clustering off and its state in a temporary directory that `close()` removes.
 */

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { stringify } from 'yaml'
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
  const child = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No gossip: a lone test instance must not look for peers or bind 9094.
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  )
  const stderr: string[] = []
  child.stderr.setEncoding('utf8').on('data', (d: string) => stderr.push(d))
  let spawnError: Error | undefined
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', (error) => {
      spawnError = error
      resolve()
    })
  })
  const running = () => child.exitCode === null && child.signalCode === null && !spawnError
  const close = async () => {
    if (running()) child.kill('SIGTERM')
    await Promise.race([exited, sleep(5_000)])
    if (running()) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }

  const deadline = Date.now() + 20_000
  for (;;) {
    if (!running()) {
      await close()
      throw new Error(
        `alertmanager did not start: ${spawnError?.message ?? stderr.join('').slice(-2000)}`
      )
    }
    if (
      await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false
      )
    )
      break
    if (Date.now() > deadline) {
      await close()
      throw new Error(`alertmanager not ready: ${stderr.join('').slice(-2000)}`)
    }
    await sleep(100)
  }

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
