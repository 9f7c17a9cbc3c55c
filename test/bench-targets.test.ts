// The bench's targets table (bench/checks.ts) decides met or missed from ratios that report.ts
// pairs round by round; both are pure, so they are checked here on made-up runs.
import { describe, expect, it } from 'vitest'
import { IDS, targetChecks } from '../bench/checks.ts'
import type { Run, Target, TargetResult } from '../bench/measure.ts'
import { rowsOf, type Row, type ScenarioResult } from '../bench/report.ts'
import { readSettings } from '../bench/settings.ts'

function run(round: number, rps: number, cpu: number, p99: number, p50 = 1, rssMb = 100): Run {
  return {
    round,
    wrk: {
      requests: rps * 5,
      durationS: 5,
      rps,
      bytes: 0,
      latency: { p50, p90: p99, p99, p999: p99, max: p99, mean: p50 },
      non2xx: 0,
      socketErrors: 0,
      errors: { connect: 0, read: 0, write: 0, timeout: 0 },
    },
    cpuUsPerReq: { proxy: cpu },
    rssPeakBytes: rssMb * 1e6,
    foreignCores: 0,
    idleWaitS: 0,
    loadAvg1: 1,
  }
}

function target(id: string, runs: Run[], idleMb = 60): TargetResult {
  const t: Target = { id, label: id, role: 'gateway', url: '', others: {} }
  return { target: t, runs, idleRssBytes: idleMb * 1e6 }
}

const settings = readSettings({}, '/tmp/')

describe('bench ratios', () => {
  it('are medians of per-round paired ratios, for req/s, CPU and p99', () => {
    const scenario: ScenarioResult = {
      key: 'proxy',
      title: '',
      refs: [
        { id: 'floor', name: '×floor' },
        { id: 'floor', name: 'CPU ×floor', metric: 'cpu' },
        { id: 'floor', name: 'p99 ×floor', metric: 'p99' },
      ],
      results: [
        // Round 2 of both is slow (a noisy round): paired ratios stay 0.5 / 2.0 / 3.0.
        target('floor', [run(1, 100, 10, 1), run(2, 50, 10, 2), run(3, 100, 10, 1)]),
        target('gw', [run(1, 50, 20, 3), run(2, 25, 20, 6), run(3, 50, 20, 3)]),
      ],
      notes: [],
    }
    const gw = rowsOf(scenario).find((r) => r.id === 'gw')!
    expect(gw.ratios['×floor']).toBeCloseTo(0.5)
    expect(gw.ratios['CPU ×floor']).toBeCloseTo(2)
    expect(gw.ratios['p99 ×floor']).toBeCloseTo(3)
    expect(gw.rps?.median).toBe(50)
  })
})

describe('bench targets table', () => {
  const row = (over: Partial<Row>): Row => ({
    id: '',
    label: '',
    role: 'gateway',
    status: 'ok',
    rounds: 3,
    requests: 1,
    cpuUsPerReq: { proxy: 50 },
    non2xx: 0,
    socketErrors: 0,
    ratios: {},
    runs: [],
    ...over,
  })
  const table = (rows: Record<string, Row>) =>
    targetChecks((key, id) => rows[`${key}/${id}`], [], settings)
  const verdict = (checks: ReturnType<typeof table>, start: string) =>
    checks.find((c) => c.name.startsWith(start))?.ok

  it('states each target met or missed from the ratios', () => {
    const good = table({
      [`proxy/${IDS.gateway}`]: row({
        ratios: { '×fastify': 1.2, 'CPU ×floor': 1.2, '×floor': 0.8, 'p99 ×floor': 1.4 },
        rssPeakMb: 140,
        rssIdleMb: 80,
      }),
      [`proxy/${IDS.memory}`]: row({ ratios: { '×floor': 1.05 } }),
      [`proxy/${IDS.redis}`]: row({ ratios: { '×floor': 0.85 } }),
      [`proxy/${IDS.tracingOn}`]: row({ ratios: { '×CACHE=off': 0.8 } }),
      [`proxy/${IDS.tracingRatio}`]: row({ ratios: { '×CACHE=off': 0.96 } }),
      [`latency/${IDS.gateway}`]: row({ addedP50Ms: 0.5, addedP99Ms: 2 }),
    })
    expect(good.filter((c) => c.ok !== undefined).every((c) => c.ok)).toBe(true)

    const bad = table({
      [`proxy/${IDS.gateway}`]: row({
        ratios: { '×fastify': 1.1, 'CPU ×floor': 1.4, '×floor': 0.7, 'p99 ×floor': 1.6 },
        rssPeakMb: 160,
        rssIdleMb: 95,
      }),
      [`proxy/${IDS.memory}`]: row({ ratios: { '×floor': 0.95 } }),
      [`proxy/${IDS.redis}`]: row({ ratios: { '×floor': 0.75 } }),
      [`proxy/${IDS.tracingOn}`]: row({ ratios: { '×CACHE=off': 0.7 } }),
      [`proxy/${IDS.tracingRatio}`]: row({ ratios: { '×CACHE=off': 0.9 } }),
      [`latency/${IDS.gateway}`]: row({ addedP50Ms: 1.5, addedP99Ms: 4 }),
    })
    for (const start of [
      'proxied (CACHE=off) req/s ÷ fastify',
      'proxied CPU µs/req ÷ the Node floor',
      'proxied req/s ÷ the Node floor',
      'memory-store hit',
      'Redis hit',
      'p99',
      'added p50',
      'added p99',
      'peak RSS',
      'idle RSS',
      'tracing, every request',
      'tracing, parentbased',
    ]) {
      expect(verdict(bad, start), start).toBe(false)
    }
  })

  it('says "not measured" for a row the run skipped', () => {
    const checks = table({})
    expect(checks.every((c) => c.ok === undefined)).toBe(true)
  })
})
