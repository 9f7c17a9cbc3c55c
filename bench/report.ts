// Turns runs into rows, ratios and target checks; renders Markdown (printed, and written with
// the JSON to bench/results/).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { DownloadResult } from './download.ts'
import type { Run, TargetResult } from './measure.ts'
import type { ProfileSummary } from './profile.ts'

export interface RatioRef {
  /** Target id in the same scenario. */
  readonly id: string
  /** Column heading, e.g. `×nginx`. */
  readonly name: string
  /** What is divided: req/s (default), the proxy's CPU µs/req, or p99 latency. */
  readonly metric?: 'rps' | 'cpu' | 'p99'
}

export interface ScenarioResult {
  readonly key: string
  readonly title: string
  readonly refs: readonly RatioRef[]
  /** Target id whose p50 and p99 the "+p50"/"+p99" columns subtract. */
  readonly directId?: string
  readonly results: TargetResult[]
  readonly notes: string[]
}

export interface Row {
  readonly id: string
  readonly label: string
  readonly role: string
  readonly status: string
  readonly rounds: number
  readonly requests: number
  readonly rps?: { readonly median: number; readonly min: number; readonly max: number }
  readonly p50Ms?: number
  readonly p99Ms?: number
  readonly cpuUsPerReq: Record<string, number>
  readonly rssPeakMb?: number
  /** RSS after start-up, before any request. */
  readonly rssIdleMb?: number
  /** RSS a second after the last run. */
  readonly rssAfterMb?: number
  readonly non2xx: number
  readonly socketErrors: number
  readonly maxForeignCores?: number
  readonly ratios: Record<string, number>
  readonly addedP50Ms?: number
  readonly addedP99Ms?: number
  /** Highest 1-minute load average of the machine at the end of a run of this row. */
  readonly maxLoadAvg1?: number
  readonly runs: Run[]
}

export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const mid = Math.floor(v.length / 2)
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2
}

/** Median over rounds of a per-round paired value (ratio or difference). */
function paired(a: TargetResult, b: TargetResult, f: (x: Run, y: Run) => number): number {
  const values: number[] = []
  for (const x of a.runs) {
    const y = b.runs.find((r) => r.round === x.round)
    if (y) values.push(f(x, y))
  }
  return median(values)
}

const RATIO: Record<'rps' | 'cpu' | 'p99', (x: Run, y: Run) => number> = {
  rps: (x, y) => x.wrk.rps / y.wrk.rps,
  cpu: (x, y) => (x.cpuUsPerReq.proxy ?? NaN) / (y.cpuUsPerReq.proxy ?? NaN),
  p99: (x, y) => x.wrk.latency.p99 / y.wrk.latency.p99,
}

export function rowsOf(scenario: ScenarioResult): Row[] {
  const byId = new Map(scenario.results.map((r) => [r.target.id, r]))
  return scenario.results.map((result): Row => {
    const { target, runs } = result
    const base = {
      id: target.id,
      label: target.label,
      role: target.role,
      status: target.skipped ?? 'ok',
      rounds: runs.length,
      requests: runs.reduce((s, r) => s + r.wrk.requests, 0),
      non2xx: runs.reduce((s, r) => s + r.wrk.non2xx, 0),
      socketErrors: runs.reduce((s, r) => s + r.wrk.socketErrors, 0),
      runs,
    }
    if (runs.length === 0) {
      return {
        ...base,
        cpuUsPerReq: {},
        ratios: {},
        rssIdleMb: result.idleRssBytes ? result.idleRssBytes / 1e6 : undefined,
      }
    }
    const rps = runs.map((r) => r.wrk.rps)
    const cpuUsPerReq: Record<string, number> = {}
    for (const name of Object.keys(runs[0]!.cpuUsPerReq)) {
      cpuUsPerReq[name] = median(runs.map((r) => r.cpuUsPerReq[name] ?? NaN))
    }
    const ratios: Record<string, number> = {}
    for (const ref of scenario.refs) {
      const other = byId.get(ref.id)
      if (other && other.runs.length > 0) {
        ratios[ref.name] = paired(result, other, RATIO[ref.metric ?? 'rps'])
      }
    }
    const direct = scenario.directId ? byId.get(scenario.directId) : undefined
    const hasDirect = direct && direct !== result && direct.runs.length > 0
    const addedP50Ms = hasDirect
      ? paired(result, direct, (x, y) => x.wrk.latency.p50 - y.wrk.latency.p50)
      : undefined
    const addedP99Ms = hasDirect
      ? paired(result, direct, (x, y) => x.wrk.latency.p99 - y.wrk.latency.p99)
      : undefined
    const rss = Math.max(...runs.map((r) => r.rssPeakBytes))
    return {
      ...base,
      rps: { median: median(rps), min: Math.min(...rps), max: Math.max(...rps) },
      p50Ms: median(runs.map((r) => r.wrk.latency.p50)),
      p99Ms: median(runs.map((r) => r.wrk.latency.p99)),
      cpuUsPerReq,
      rssPeakMb: rss > 0 ? rss / 1e6 : undefined,
      rssIdleMb: result.idleRssBytes ? result.idleRssBytes / 1e6 : undefined,
      rssAfterMb: result.afterRssBytes ? result.afterRssBytes / 1e6 : undefined,
      maxForeignCores: Math.max(...runs.map((r) => r.foreignCores)),
      maxLoadAvg1: Math.max(...runs.map((r) => r.loadAvg1 ?? NaN).filter(Number.isFinite)),
      ratios,
      addedP50Ms,
      addedP99Ms,
    }
  })
}

const fmt = {
  int: (n: number | undefined) =>
    n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US'),
  ms: (n: number | undefined) =>
    n === undefined || !Number.isFinite(n) ? '–' : n < 10 ? n.toFixed(2) : n.toFixed(1),
  ratio: (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(2)),
  signedMs: (n: number | undefined) =>
    n === undefined || !Number.isFinite(n) ? '–' : `${n >= 0 ? '+' : ''}${n.toFixed(2)}`,
  mb: (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(0)),
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')
}

function cpuCell(row: Row): string {
  const cpu = row.cpuUsPerReq.proxy
  if (cpu === undefined || !Number.isFinite(cpu)) return '–'
  const sys = median(row.runs.map((r) => r.proxySysShare ?? NaN))
  return Number.isFinite(sys) ? `${fmt.int(cpu)} (${Math.round(sys * 100)} % sys)` : fmt.int(cpu)
}

function otherCpuCell(row: Row): string {
  const c = row.cpuUsPerReq
  const parts: string[] = []
  for (const name of ['upstream', 'redis', 'sink']) {
    if (c[name] !== undefined) parts.push(`${name} ${fmt.int(c[name])}`)
  }
  return parts.join(', ') || '–'
}

function rssCell(row: Row): string {
  if (row.rssPeakMb === undefined && row.rssIdleMb === undefined) return '–'
  return `${fmt.mb(row.rssIdleMb)} / ${fmt.mb(row.rssPeakMb)} / ${fmt.mb(row.rssAfterMb)}`
}

export function scenarioMarkdown(scenario: ScenarioResult, rows: Row[]): string {
  const head = [
    'target',
    'req/s median (min–max)',
    'p50 ms',
    'p99 ms',
    ...scenario.refs.map((r) => r.name),
    ...(scenario.directId ? ['+p50 ms vs direct', '+p99 ms vs direct'] : []),
    'proxy CPU µs/req',
    'others µs/req',
    'RSS MB idle / peak / after',
    'non-2xx',
    'socket err',
    'other load (cores)',
    'status',
  ]
  const body = rows.map((row) => [
    row.label,
    row.rps ? `${fmt.int(row.rps.median)} (${fmt.int(row.rps.min)}–${fmt.int(row.rps.max)})` : '–',
    fmt.ms(row.p50Ms),
    fmt.ms(row.p99Ms),
    ...scenario.refs.map((r) =>
      r.id === row.id && row.rps ? '1.00' : fmt.ratio(row.ratios[r.name])
    ),
    ...(scenario.directId
      ? row.id === scenario.directId
        ? ['0', '0']
        : [fmt.signedMs(row.addedP50Ms), fmt.signedMs(row.addedP99Ms)]
      : []),
    cpuCell(row),
    otherCpuCell(row),
    rssCell(row),
    String(row.non2xx),
    String(row.socketErrors),
    row.maxForeignCores === undefined ? '–' : row.maxForeignCores.toFixed(2),
    row.status,
  ])
  const notes = scenario.notes.map((n) => `- ${n}`).join('\n')
  return `### ${scenario.title}\n\n${table(head, body)}${notes ? `\n\n${notes}` : ''}\n`
}

/**
 * The heap flags A/B: each flag set's RSS (idle, peak, after) against its req/s and CPU, paired
 * with the shipped flags round by round, and one line per variant stating the trade-off.
 */
export function heapMarkdown(scenario: ScenarioResult, rows: Row[]): string {
  const shipped = rows[0]
  const body = rows.map((row, i) => [
    row.label,
    row.rps ? fmt.int(row.rps.median) : '–',
    i === 0 ? '1.00' : fmt.ratio(row.ratios['×shipped']),
    cpuCell(row),
    i === 0 ? '1.00' : fmt.ratio(row.ratios['CPU ×shipped']),
    fmt.ms(row.p99Ms),
    rssCell(row),
    i === 0 || !shipped?.rssPeakMb || !row.rssPeakMb
      ? '–'
      : `${row.rssPeakMb - shipped.rssPeakMb >= 0 ? '+' : ''}${fmt.mb(row.rssPeakMb - shipped.rssPeakMb)}`,
    row.maxForeignCores === undefined ? '–' : row.maxForeignCores.toFixed(2),
    row.status,
  ])
  const lines = rows.slice(1).flatMap((row) => {
    const r = row.ratios['×shipped']
    if (!shipped?.rssPeakMb || !row.rssPeakMb || r === undefined || !Number.isFinite(r)) return []
    const dRss = row.rssPeakMb - shipped.rssPeakMb
    const dRps = (r - 1) * 100
    return [
      `- ${row.label}: peak RSS ${dRss >= 0 ? '+' : '−'}${fmt.mb(Math.abs(dRss))} MB, req/s ${dRps >= 0 ? '+' : '−'}${Math.abs(dRps).toFixed(1)} %, CPU µs/req ×${fmt.ratio(row.ratios['CPU ×shipped'])} against the shipped flags.`,
    ]
  })
  const head = [
    'node flags',
    'req/s',
    '×shipped',
    'CPU µs/req',
    'CPU ×shipped',
    'p99 ms',
    'RSS MB idle / peak / after',
    'peak RSS Δ MB',
    'other load (cores)',
    'status',
  ]
  return `### ${scenario.title}\n\n${table(head, body)}${lines.length ? `\n\n${lines.join('\n')}` : ''}\n`
}

export interface DownloadRow {
  readonly label: string
  readonly status: string
  readonly result?: DownloadResult
}

export function downloadMarkdown(rows: readonly DownloadRow[], bytes: number): string {
  const body = rows.map((row) => {
    const r = row.result
    const rss = r?.rss
    return [
      row.label,
      r ? fmt.int(r.mibPerS) : '–',
      r ? r.seconds.toFixed(2) : '–',
      rss
        ? `${fmt.mb(rss.start / 1e6)} / ${fmt.mb(rss.peak / 1e6)} / ${fmt.mb(rss.end / 1e6)}`
        : '–',
      rss ? fmt.mb((rss.peak - rss.start) / 1e6) : '–',
      rss ? `${rss.trendPerGiB >= 0 ? '+' : ''}${(rss.trendPerGiB / 1e6).toFixed(1)}` : '–',
      r?.cpuSPerGiB !== undefined ? r.cpuSPerGiB.toFixed(2) : '–',
      row.status,
    ]
  })
  const head = [
    'path',
    'MiB/s',
    'seconds',
    'RSS MB start / peak / end',
    'peak − start MB',
    'RSS trend MB per GiB moved',
    'CPU s/GiB',
    'status',
  ]
  return `### Download of ${fmt.int(bytes / 2 ** 20)} MiB (one request, streamed)\n\n${table(head, body)}\n`
}

export interface Check {
  readonly name: string
  readonly measured: string
  readonly target: string
  /** true = met, false = missed, undefined = not measured. */
  readonly ok: boolean | undefined
}

export function checksMarkdown(checks: readonly Check[]): string {
  const body = checks.map((c) => [
    c.name,
    c.measured,
    c.target,
    c.ok === undefined ? 'not measured' : c.ok ? 'met' : '**missed**',
  ])
  return `### Targets (issue 12; ratios from this run)\n\n${table(['target', 'measured', 'wanted', 'result'], body)}\n`
}

export function profileMarkdown(p: ProfileSummary): string {
  const areas = table(
    ['where', '% of CPU'],
    p.byArea.map((a) => [a.name, a.percent.toFixed(1)])
  )
  const fns = table(
    ['function (self time)', '%'],
    p.topFunctions.map((a) => [a.name.replaceAll('|', '\\|'), a.percent.toFixed(1)])
  )
  return `### Where the gateway's CPU goes: ${p.title ?? 'profile'} (node --cpu-prof)\n\n${fmt.int(p.sampledMs)} ms sampled, idle excluded; profile: \`${p.file}\`\n\n${areas}\n\n${fns}\n`
}

export { fmt }

/**
 * Writes `<stamp>.json` and `<stamp>.md`, and `latest.md` unless `quick` (a development run is
 * never the latest result); returns the paths.
 */
export function writeResults(
  dir: string,
  stamp: string,
  json: unknown,
  markdown: string,
  quick = false
): string[] {
  mkdirSync(dir, { recursive: true })
  const files = [join(dir, `${stamp}.json`), join(dir, `${stamp}.md`)]
  writeFileSync(files[0]!, JSON.stringify(json, null, 2) + '\n')
  writeFileSync(files[1]!, markdown)
  if (!quick) {
    files.push(join(dir, 'latest.md'))
    writeFileSync(files[2]!, markdown)
  }
  return files
}
