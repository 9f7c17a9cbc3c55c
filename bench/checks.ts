// The targets of issue 12 (as docs/architecture.md's performance section settles them: CPU per
// request as a ratio to the Node floor, not in absolute µs), checked against one run: met,
// missed, or not measured. Every ratio comes from the same run's paired rounds.
import type { DownloadRow, Row, Check } from './report.ts'
import { fmt } from './report.ts'
import type { Settings } from './settings.ts'

/** Ids of the rows the checks read (main.ts builds the scenarios with these). */
export const IDS = {
  gateway: 'gateway',
  memory: 'gateway-memory',
  redis: 'gateway-redis',
  tracingOn: 'tracing-on',
  tracingRatio: 'tracing-ratio',
  floor: 'floor',
} as const

/** Rows of gateways started with the shipped flags and without tracing (RSS targets). */
const UNTRACED_GATEWAYS: readonly [string, string][] = [
  ['proxy', IDS.gateway],
  ['proxy', IDS.memory],
  ['proxy', IDS.redis],
  ['latency', IDS.gateway],
]

export function targetChecks(
  find: (key: string, id: string) => Row | undefined,
  downloads: readonly DownloadRow[],
  settings: Settings
): Check[] {
  const checks: Check[] = []
  const add = (
    name: string,
    value: number | undefined,
    target: string,
    ok: (v: number) => boolean,
    show: (v: number) => string
  ) =>
    checks.push({
      name,
      measured: value === undefined || !Number.isFinite(value) ? '–' : show(value),
      target,
      ok: value === undefined || !Number.isFinite(value) ? undefined : ok(value),
    })
  const x = (v: number) => `${v.toFixed(2)}×`
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`
  const gw = find('proxy', IDS.gateway)
  const floor = find('proxy', IDS.floor)
  const us = (row: Row | undefined) => fmt.int(row?.cpuUsPerReq.proxy)

  add(
    'proxied (CACHE=off) req/s ÷ fastify + @fastify/http-proxy',
    gw?.ratios['×fastify'],
    '≥ 1.15×',
    (v) => v >= 1.15,
    x
  )
  add(
    'proxied CPU µs/req ÷ the Node floor',
    gw?.ratios['CPU ×floor'],
    '≤ 1.3×',
    (v) => v <= 1.3,
    (v) => `${x(v)} (${us(gw)} vs ${us(floor)} µs)`
  )
  add('proxied req/s ÷ the Node floor', gw?.ratios['×floor'], '≥ 0.75×', (v) => v >= 0.75, x)
  add(
    'memory-store hit req/s ÷ the Node floor',
    find('proxy', IDS.memory)?.ratios['×floor'],
    '≥ 1.0×',
    (v) => v >= 1.0,
    x
  )
  add(
    'Redis hit req/s ÷ the Node floor',
    find('proxy', IDS.redis)?.ratios['×floor'],
    '≥ 0.8×',
    (v) => v >= 0.8,
    x
  )
  add(
    'p99 (CACHE=off, 0 ms upstream) ÷ the Node floor’s',
    gw?.ratios['p99 ×floor'],
    '≤ 1.5×',
    (v) => v <= 1.5,
    (v) => `${x(v)} (${fmt.ms(gw?.p99Ms)} vs ${fmt.ms(floor?.p99Ms)} ms)`
  )
  const late = find('latency', IDS.gateway)
  add(
    `added p50 over direct, ${settings.latencyMs} ms upstream, -c${settings.connections}`,
    late?.addedP50Ms,
    '< +1 ms',
    (v) => v < 1,
    (v) => `${fmt.signedMs(v)} ms`
  )
  add(
    `added p99 over direct, ${settings.latencyMs} ms upstream, -c${settings.connections}`,
    late?.addedP99Ms,
    '< +3 ms',
    (v) => v < 3,
    (v) => `${fmt.signedMs(v)} ms`
  )
  const highest = (pick: (row: Row) => number | undefined) => {
    let best: { mb: number; where: string } | undefined
    for (const [key, id] of UNTRACED_GATEWAYS) {
      const row = find(key, id)
      const mb = row ? pick(row) : undefined
      if (mb !== undefined && Number.isFinite(mb) && (!best || mb > best.mb)) {
        best = { mb, where: `${key}: ${row!.label}` }
      }
    }
    return best
  }
  const peak = highest((r) => r.rssPeakMb)
  add(
    'peak RSS under load, no tracing (highest gateway row)',
    peak?.mb,
    '≤ 150 MB',
    (v) => v <= 150,
    (v) => `${v.toFixed(0)} MB (${peak!.where})`
  )
  const idle = highest((r) => r.rssIdleMb)
  add(
    'idle RSS after start-up (highest gateway row)',
    idle?.mb,
    '≤ 90 MB',
    (v) => v <= 90,
    (v) => `${v.toFixed(0)} MB (${idle!.where})`
  )
  for (const d of downloads.filter((d) => d.label.startsWith('gateway'))) {
    const rss = d.result?.rss
    add(
      `RSS growth while streaming ${fmt.int(settings.downloadBytes / 2 ** 20)} MiB, ${d.label}`,
      rss && d.status === 'ok' ? (rss.peak - rss.start) / 1e6 : undefined,
      '≤ 48 MB',
      (v) => v <= 48,
      (v) =>
        `${v.toFixed(0)} MB (start ${fmt.mb(rss!.start / 1e6)}, peak ${fmt.mb(rss!.peak / 1e6)})`
    )
  }
  const cost = (row: Row | undefined) =>
    row?.status === 'ok' ? 1 - (row.ratios['×CACHE=off'] ?? NaN) : undefined
  add(
    'tracing, every request sampled: req/s cost vs CACHE=off untraced',
    cost(find('proxy', IDS.tracingOn)),
    '≤ 25 %',
    (v) => v <= 0.25,
    pct
  )
  add(
    'tracing, parentbased_traceidratio 0.1: req/s cost vs CACHE=off untraced',
    cost(find('proxy', IDS.tracingRatio)),
    '≤ 5 %',
    (v) => v <= 0.05,
    pct
  )
  return checks
}
