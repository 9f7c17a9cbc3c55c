/**
 * A real Prometheus (Debian's `prometheus` package) on a free port, scraping the given targets
 * every second and evaluating the given rule files every second, with its data in a temporary
 * directory that `close()` removes.
 */

import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { stringify } from 'yaml'
import { startDaemon } from './daemon.ts'

export interface PrometheusOptions {
  readonly job: string
  /** `host:port` of each target, scraped at `/metrics`. */
  readonly targets: readonly string[]
  /** Absolute paths of rule files. */
  readonly ruleFiles: readonly string[]
  /** `host:port` of Alertmanagers to send alerts to. */
  readonly alertmanagers?: readonly string[]
}

export interface Sample {
  metric: Record<string, string>
  value: [number, string]
}

export interface RuleState {
  name: string
  type: 'alerting' | 'recording'
  health: string
  lastError?: string
  state?: 'inactive' | 'pending' | 'firing'
  labels?: Record<string, string>
}

export interface RunningPrometheus {
  readonly url: string
  /** An instant query now; throws with Prometheus's error text on a bad query. */
  query(expr: string): Promise<Sample[]>
  rules(): Promise<RuleState[]>
  alerts(): Promise<{ labels: Record<string, string>; annotations: Record<string, string> }[]>
  /** Resolves once every target has been scraped at least `scrapes` times. */
  waitForScrapes(scrapes: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function api<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) })
  const body = (await res.json()) as { status: string; data: T; error?: string }
  if (body.status !== 'success') throw new Error(`${url}: ${body.error ?? res.status}`)
  return body.data
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'dgw-prometheus-'))
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: options.ruleFiles,
    scrape_configs: [{ job_name: options.job, static_configs: [{ targets: options.targets }] }],
    ...(options.alertmanagers && {
      alerting: { alertmanagers: [{ static_configs: [{ targets: options.alertmanagers }] }] },
    }),
  }
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const close = await startDaemon(
    'prometheus',
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--enable-feature=exemplar-storage',
    ],
    { url, dir }
  )

  return {
    url,
    query: (expr) =>
      api<{ result: Sample[] }>(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`).then(
        (d) => d.result
      ),
    rules: () =>
      api<{ groups: { rules: RuleState[] }[] }>(`${url}/api/v1/rules`).then((d) =>
        d.groups.flatMap((g) => g.rules)
      ),
    alerts: () =>
      api<{ alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] }>(
        `${url}/api/v1/alerts`
      ).then((d) => d.alerts),
    async waitForScrapes(scrapes, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs
      const expr = `min(count_over_time(up{job="${options.job}"}[1m]))`
      for (;;) {
        const [sample] = await api<{ result: Sample[] }>(
          `${url}/api/v1/query?query=${encodeURIComponent(expr)}`
        ).then((d) => d.result)
        if (sample && Number(sample.value[1]) >= scrapes) return
        if (Date.now() > until) throw new Error(`fewer than ${scrapes} scrapes of every target`)
        await sleep(250)
      }
    },
    close,
  }
}
