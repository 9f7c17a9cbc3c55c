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
}

export interface ScenarioResult {
  readonly key: string
  readonly title: string
  readonly refs: readonly RatioRef[]
  /** Target id whose p50 the "+p50" column subtracts. */
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
  readonly non2xx: number
  readonly socketErrors: number
  readonly maxForeignCores?: number
  readonly ratios: Record<string, number>
  readonly addedP50Ms?: number
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
    if (runs.length === 0) return { ...base, cpuUsPerReq: {}, ratios: {} }
    const rps = runs.map((r) => r.wrk.rps)
    const cpuUsPerReq: Record<string, number> = {}
    for (const name of Object.keys(runs[0]!.cpuUsPerReq)) {
      cpuUsPerReq[name] = median(runs.map((r) => r.cpuUsPerReq[name] ?? NaN))
    }
    const ratios: Record<string, number> = {}
    for (const ref of scenario.refs) {
      const other = byId.get(ref.id)
      if (other && other.runs.length > 0) {
        ratios[ref.name] = paired(result, other, (x, y) => x.wrk.rps / y.wrk.rps)
      }
    }
    const direct = scenario.directId ? byId.get(scenario.directId) : undefined
    const addedP50Ms =
      direct && direct !== result && direct.runs.length > 0
        ? paired(result, direct, (x, y) => x.wrk.latency.p50 - y.wrk.latency.p50)
        : undefined
    const rss = Math.max(...runs.map((r) => r.rssPeakBytes))
    return {
      ...base,
      rps: { median: median(rps), min: Math.min(...rps), max: Math.max(...rps) },
      p50Ms: median(runs.map((r) => r.wrk.latency.p50)),
      p99Ms: median(runs.map((r) => r.wrk.latency.p99)),
      cpuUsPerReq,
      rssPeakMb: rss > 0 ? rss / 1e6 : undefined,
      maxForeignCores: Math.max(...runs.map((r) => r.foreignCores)),
      ratios,
      addedP50Ms,
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

export function scenarioMarkdown(scenario: ScenarioResult, rows: Row[]): string {
  const head = [
    'target',
    'req/s median (min–max)',
    'p50 ms',
    'p99 ms',
    ...scenario.refs.map((r) => r.name),
    ...(scenario.directId ? ['+p50 ms vs direct'] : []),
    'proxy CPU µs/req',
    'others µs/req',
    'peak RSS MB',
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
    ...scenario.refs.map((r) => (r.id === row.id ? '1.00' : fmt.ratio(row.ratios[r.name]))),
    ...(scenario.directId
      ? [row.id === scenario.directId ? '0' : fmt.signedMs(row.addedP50Ms)]
      : []),
    cpuCell(row),
    otherCpuCell(row),
    fmt.mb(row.rssPeakMb),
    String(row.non2xx),
    String(row.socketErrors),
    row.maxForeignCores === undefined ? '–' : row.maxForeignCores.toFixed(2),
    row.status,
  ])
  const notes = scenario.notes.map((n) => `- ${n}`).join('\n')
  return `### ${scenario.title}\n\n${table(head, body)}${notes ? `\n\n${notes}` : ''}\n`
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
  return `### Targets (issues 2, 3, 4)\n\n${table(['check', 'measured', 'target', 'result'], body)}\n`
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

/** Writes `<stamp>.json`, `<stamp>.md` and `latest.md`; returns the paths. */
export function writeResults(
  dir: string,
  stamp: string,
  json: unknown,
  markdown: string
): string[] {
  mkdirSync(dir, { recursive: true })
  const files = [join(dir, `${stamp}.json`), join(dir, `${stamp}.md`), join(dir, 'latest.md')]
  writeFileSync(files[0]!, JSON.stringify(json, null, 2) + '\n')
  writeFileSync(files[1]!, markdown)
  writeFileSync(files[2]!, markdown)
  return files
}
