// One scenario = a few targets under the same wrk load: warm-up each, then rounds in which the
// targets run back to back (rotating the order), so ratios come from neighbouring runs. Each run
// records wrk's numbers plus CPU µs/req of every process involved (/proc), the proxy's peak RSS,
// and the CPU of everything else on the box ("foreign" load), waiting for an idle box first and
// redoing a run once when foreign load was high.
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CLK_TCK,
  cpuTicks,
  loadAvg1,
  rssBytes,
  selfTicks,
  sysTicks,
  systemTicks,
} from './proc-stats.ts'
import { liveProcs, type Proc } from './procs.ts'
import type { Settings } from './settings.ts'
import { runWrk, type WrkResult } from './wrk.ts'

export type Role = 'direct' | 'gateway' | 'nginx' | 'peer'

export interface Target {
  readonly id: string
  readonly label: string
  readonly role: Role
  readonly url: string
  /** The process measured as "the proxy" (CPU, RSS); absent for direct. */
  readonly proxy?: Proc
  /** Other processes whose CPU per request is reported: upstream, redis, sink. */
  readonly others: Readonly<Record<string, Proc>>
  /** The second of two identical requests must carry `X-Cache-Status: HIT`. */
  readonly expectHit?: boolean
  /** The body every target of the scenario must answer with (proves the pass-through). */
  readonly expectBody?: string
  /** Set when the target cannot run; it stays in the report with this reason. */
  skipped?: string
}

export interface Run {
  readonly round: number
  readonly wrk: WrkResult
  /** CPU µs per request by process: proxy, upstream, redis, sink, wrk. */
  readonly cpuUsPerReq: Record<string, number>
  /** Share of the proxy's CPU spent in the kernel (stime), 0–1. */
  readonly proxySysShare?: number
  /** Highest sampled RSS of the proxy (all its processes) during the run, bytes. */
  readonly rssPeakBytes: number
  /** Average cores used by processes that are not ours during the run. */
  readonly foreignCores: number
  /** Seconds spent waiting for the box to go idle before the run. */
  readonly idleWaitS: number
  /** A first attempt discarded for foreign load (its requests still reached the target). */
  readonly discarded?: { readonly foreignCores: number; readonly requests: number }
  /** The machine's 1-minute load average when the run ended (all processes, ours included). */
  readonly loadAvg1: number
}

export interface TargetResult {
  readonly target: Target
  readonly runs: Run[]
  warmup?: WrkResult
  /** RSS of the proxy (all its processes) after start-up, before any request, bytes. */
  idleRssBytes?: number
  /** RSS of the proxy a second after its last run, bytes. */
  afterRssBytes?: number
}

export interface MeasureContext {
  readonly settings: Settings
  /** Seconds left for idle waits and redos over the whole bench (BENCH_PATIENCE_S). */
  readonly patience: { remainingS: number }
  readonly wrk: string
  readonly tmpDir: string
  readonly headers: readonly string[]
  log(message: string): void
}

interface Snapshot {
  readonly at: bigint
  readonly proxySys: number
  readonly busy: number
  readonly self: number
  readonly ours: number
  readonly named: Record<string, number>
}

function ticksOf(proc: Proc | undefined): number {
  return proc ? proc.pids().reduce((sum, pid) => sum + cpuTicks(pid), 0) : 0
}

function snapshot(named: Readonly<Record<string, Proc | undefined>>): Snapshot {
  const out: Record<string, number> = {}
  for (const [name, proc] of Object.entries(named)) out[name] = ticksOf(proc)
  const proxy = named.proxy
  return {
    at: process.hrtime.bigint(),
    proxySys: proxy ? proxy.pids().reduce((sum, pid) => sum + sysTicks(pid), 0) : 0,
    busy: systemTicks().busy,
    self: selfTicks(),
    ours: liveProcs().reduce((sum, p) => sum + ticksOf(p), 0),
    named: out,
  }
}

function seconds(a: Snapshot, b: Snapshot): number {
  return Number(b.at - a.at) / 1e9
}

/** Cores used by processes that are not ours between two snapshots. */
function foreignCores(a: Snapshot, b: Snapshot): number {
  const foreign = b.busy - a.busy - (b.ours - a.ours) - (b.self - a.self)
  return Math.max(0, foreign) / CLK_TCK / seconds(a, b)
}

/**
 * Waits (up to BENCH_IDLE_WAIT_S, and while patience lasts) until other processes use less than
 * half the redo limit.
 */
async function waitForIdle(ctx: MeasureContext): Promise<number> {
  const started = Date.now()
  const limit = ctx.settings.maxForeignCores / 2
  const most = Math.min(ctx.settings.idleWaitS, ctx.patience.remainingS)
  for (;;) {
    const a = snapshot({})
    await sleep(300)
    const load = foreignCores(a, snapshot({}))
    const waited = (Date.now() - started) / 1000
    if (load < limit || waited >= most) {
      // The first sample is the cost of looking, not patience spent.
      ctx.patience.remainingS = Math.max(0, ctx.patience.remainingS - Math.max(0, waited - 0.3))
      return waited
    }
  }
}

async function wrkRun(ctx: MeasureContext, target: Target, durationS: number): Promise<WrkResult> {
  return runWrk({
    wrk: ctx.wrk,
    url: target.url,
    durationS,
    connections: ctx.settings.connections,
    threads: ctx.settings.threads,
    headers: ctx.headers,
    scriptDir: ctx.tmpDir,
  })
}

async function measureOnce(ctx: MeasureContext, target: Target, round: number): Promise<Run> {
  const idleWaitS = await waitForIdle(ctx)
  const named = { proxy: target.proxy, ...target.others }
  let rssPeakBytes = 0
  const sample = () => {
    if (!target.proxy) return
    const rss = target.proxy.pids().reduce((sum, pid) => sum + rssBytes(pid), 0)
    if (rss > rssPeakBytes) rssPeakBytes = rss
  }
  const before = snapshot(named)
  const timer = setInterval(sample, 200)
  let wrk: WrkResult
  try {
    wrk = await wrkRun(ctx, target, ctx.settings.durationS)
  } finally {
    clearInterval(timer)
  }
  sample()
  const after = snapshot(named)
  const perReq = (ticks: number) =>
    wrk.requests > 0 ? ((ticks / CLK_TCK) * 1e6) / wrk.requests : NaN
  const cpuUsPerReq: Record<string, number> = {}
  for (const name of Object.keys(named)) {
    if (named[name as keyof typeof named]) {
      cpuUsPerReq[name] = perReq(after.named[name]! - before.named[name]!)
    }
  }
  // wrk has exited and been reaped by now: its CPU is in this process's children's time.
  cpuUsPerReq.wrkAndBench = perReq(after.self - before.self)
  const proxyTicks = target.proxy ? after.named.proxy! - before.named.proxy! : 0
  return {
    round,
    wrk,
    cpuUsPerReq,
    ...(proxyTicks > 0 ? { proxySysShare: (after.proxySys - before.proxySys) / proxyTicks } : {}),
    rssPeakBytes,
    foreignCores: foreignCores(before, after),
    idleWaitS,
    loadAvg1: loadAvg1(),
  }
}

function rssOf(proc: Proc | undefined): number | undefined {
  if (!proc) return undefined
  const rss = proc.pids().reduce((sum, pid) => sum + rssBytes(pid), 0)
  return rss > 0 ? rss : undefined
}

async function verify(target: Target, headers: readonly string[]): Promise<string | undefined> {
  const h: Record<string, string> = {}
  for (const line of headers) {
    const i = line.indexOf(':')
    h[line.slice(0, i).trim()] = line.slice(i + 1).trim()
  }
  let cacheStatus: string | null = null
  for (let i = 0; i < (target.expectHit ? 2 : 1); i++) {
    const res = await fetch(target.url, { headers: h })
    const body = await res.text()
    if (res.status !== 200) return `GET ${target.url} answered ${res.status}, not 200`
    if (target.expectBody !== undefined && body !== target.expectBody) {
      return `GET ${target.url} answered a different body (${body.length} bytes, expected ${target.expectBody.length})`
    }
    cacheStatus = res.headers.get('x-cache-status')
  }
  if (target.expectHit && cacheStatus?.toUpperCase() !== 'HIT') {
    return `no cache hit (X-Cache-Status on the second identical request: ${cacheStatus ?? 'absent'})`
  }
  return undefined
}

/**
 * Warm-up, then `settings.rounds` rounds over the targets, alternating. Skipped targets stay in
 * the result with no runs.
 */
export async function measureScenario(
  ctx: MeasureContext,
  name: string,
  targets: readonly Target[]
): Promise<TargetResult[]> {
  const results: TargetResult[] = targets.map((target) => ({ target, runs: [] }))
  // Idle RSS first, while no target has seen a request (they all started before the scenario).
  for (const result of results) result.idleRssBytes = rssOf(result.target.proxy)
  for (const result of results) {
    const { target } = result
    if (target.skipped) continue
    const problem = await verify(target, ctx.headers).catch((e: Error) => e.message)
    if (problem) {
      target.skipped = `skipped: ${problem}`
      ctx.log(`${name}: ${target.label}: ${target.skipped}`)
      continue
    }
    ctx.log(`${name}: warm-up ${target.label} (${ctx.settings.warmupS} s)`)
    try {
      result.warmup = await wrkRun(ctx, target, ctx.settings.warmupS)
    } catch (error) {
      target.skipped = failure(target, error)
      ctx.log(`${name}: ${target.label}: ${target.skipped}`)
    }
  }
  const live = results.filter((r) => !r.target.skipped)
  for (let round = 1; round <= ctx.settings.rounds; round++) {
    // Rotate the order each round so no target always runs first (or right after another).
    const shift = (round - 1) % Math.max(1, live.length)
    const order = [...live.slice(shift), ...live.slice(0, shift)]
    for (const result of order) {
      if (result.target.skipped) continue
      let run: Run
      try {
        run = await measureOnce(ctx, result.target, round)
      } catch (error) {
        result.target.skipped = failure(result.target, error)
        ctx.log(`${name} r${round} ${result.target.label}: ${result.target.skipped}`)
        continue
      }
      if (
        run.foreignCores > ctx.settings.maxForeignCores &&
        ctx.patience.remainingS >= ctx.settings.durationS
      ) {
        ctx.patience.remainingS -= ctx.settings.durationS
        const first = run
        ctx.log(
          `  other processes used ${first.foreignCores.toFixed(2)} cores during the run: redoing it once`
        )
        try {
          run = {
            ...(await measureOnce(ctx, result.target, round)),
            discarded: { foreignCores: first.foreignCores, requests: first.wrk.requests },
          }
        } catch (error) {
          result.target.skipped = failure(result.target, error)
          ctx.log(`${name} r${round} ${result.target.label}: ${result.target.skipped}`)
          continue
        }
      }
      result.runs.push(run)
      const w = run.wrk
      ctx.log(
        `${name} r${round} ${result.target.label}: ${Math.round(w.rps)} req/s, ` +
          `p50 ${w.latency.p50.toFixed(2)} ms, p99 ${w.latency.p99.toFixed(2)} ms, ` +
          `proxy ${fmtCpu(run.cpuUsPerReq.proxy)} µs/req, foreign ${run.foreignCores.toFixed(2)}` +
          (w.non2xx || w.socketErrors
            ? `, non-2xx ${w.non2xx}, socket errors ${w.socketErrors}`
            : '')
      )
    }
  }
  // RSS once the load is gone: what the runtime gives back (V8 shrinks its young generation
  // after a while; the old generation and malloc arenas mostly stay).
  await sleep(1000)
  for (const result of live) result.afterRssBytes = rssOf(result.target.proxy)
  return results
}

/** Why a run failed: the proxy process died (with its last output), or wrk's error. */
function failure(target: Target, error: unknown): string {
  const proc = target.proxy
  if (proc && !proc.alive()) {
    const last = proc.tail().split('\n').slice(-3).join(' / ')
    return `failed: ${proc.name} exited (${proc.exitCode ?? proc.exitSignal}) during the run${last ? `: ${last}` : ''}`
  }
  return `failed: ${String((error as Error)?.message ?? error)
    .split('\n')
    .slice(0, 2)
    .join(' / ')}`
}

function fmtCpu(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '-' : v.toFixed(0)
}
