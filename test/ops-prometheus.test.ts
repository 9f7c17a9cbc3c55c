import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator } from '../src/simulator/index.ts'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { CONTRACT_METRICS } from './helpers/ops/metric-contract.ts'
import { ROOT, committedRules, dashboardQueries, substitute } from './helpers/ops/promql.ts'
import {
  freePort,
  startPrometheus,
  type RunningPrometheus,
} from './helpers/ops/prometheus-server.ts'

// The dashboards and alert rules against a real Prometheus scraping real gateways every second.
// A metric renamed in the gateway but not in the dashboards leaves a panel without data here.

const JOB = 'drive-gateway'
const WAVES = 8

let simulator: Awaited<ReturnType<typeof startSimulator>>
let gateway: TestGateway
/** A gateway whose Redis does not exist: its breaker opens, the store-down alert has data. */
let brokenStore: TestGateway
let prometheus: RunningPrometheus
/** `host:port` of a scrape target nobody listens on. */
let deadTarget: string

const hostPort = (url: string) => new URL(url).host

async function send(base: string, path: string, headers: Record<string, string> = {}) {
  try {
    const res = await fetch(base + path, { headers, signal: AbortSignal.timeout(15_000) })
    await res.arrayBuffer()
    return res.status
  } catch {
    return 0 // a body the upstream broke on purpose
  }
}

/** Headers Node refuses before routing (431): counted as a rejected request. */
function sendOversizedHeaders(url: string): Promise<void> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    })
    socket.on('data', () => socket.destroy())
    socket.on('close', () => resolve())
    socket.on('error', () => resolve())
  })
}

/**
 * One wave of traffic. Fault-injected requests carry no credentials, so the cache bypasses
 * them and the simulator's status always reaches the client.
 */
async function wave(scale = 1): Promise<void> {
  const auth = { authorization: 'Bearer ops-test' }
  const file = (n: number) => `/users/u1/drive/files/f${n}`
  const times = (n: number, fn: (k: number) => Promise<unknown>) =>
    Array.from({ length: Math.ceil(n * scale) }, (_, k) => fn(k))
  await Promise.all([
    ...times(30, (k) => send(gateway.url, file(k % 5), auth)),
    ...times(6, () => send(gateway.url, file(1), { 'x-sim-status': '503' })),
    // More than 1 per second over 5 m: DriveGatewayLongRunningTransactionRate crosses too.
    ...times(50, () => send(gateway.url, file(2), { 'x-sim-status': '598' })),
    ...times(4, () => send(gateway.url, file(3), { 'x-sim-status': '429' })),
    // UPSTREAMS names a `files` host nobody listens on: gateway-made UPSTREAM_UNREACHABLE.
    ...times(4, (k) => send(gateway.url, `/files/k${k}/download`)),
    send(gateway.url, '/files/%2e%2e/x'),
    send(gateway.url, file(4), { 'x-sim-fault': 'reset-mid-body' }),
    sendOversizedHeaders(gateway.url),
    ...times(10, (k) => send(brokenStore.url, file(k % 3), auth)),
  ])
}

beforeAll(async () => {
  simulator = await startSimulator({})
  const deadFiles = await freePort()
  const deadRedis = await freePort()
  deadTarget = `127.0.0.1:${await freePort()}`
  gateway = await startTestGateway({
    UPSTREAM_URL: simulator.url,
    UPSTREAMS: `files=http://127.0.0.1:${deadFiles}`,
  })
  brokenStore = await startTestGateway({
    UPSTREAM_URL: simulator.url,
    REDIS_URL: `redis://127.0.0.1:${deadRedis}`,
  })
  prometheus = await startPrometheus({
    job: JOB,
    // The dead target gives DriveGatewayTargetDown its data.
    targets: [hostPort(gateway.adminUrl), hostPort(brokenStore.adminUrl), deadTarget],
    ruleFiles: [ROOT + 'deploy/prometheus/rules.yml'],
  })

  // One small wave makes every series exist, so the increments after the next scrapes are
  // seen by rate(); the slow requests (3 s, unique files so none is cached) start now.
  await wave(0.2)
  await prometheus.waitForScrapes(2)
  const slow = Array.from({ length: 20 }, (_, k) =>
    send(gateway.url, `/users/u1/drive/files/slow${k}`, { 'x-sim-delay-ms': '3000' })
  )
  for (let i = 0; i < WAVES; i++) {
    await wave()
    await sleep(400)
  }
  await Promise.all(slow)
  // Three more scrapes and rule evaluations after the last request.
  await sleep(3_500)
}, 120_000)

afterAll(async () => {
  await prometheus?.close()
  await gateway?.close()
  await brokenStore?.close()
  await simulator?.close()
})

describe('against a real Prometheus', () => {
  it('Should expose every contract metric with its type and label names', async () => {
    // Store errors only happen on the gateway whose Redis is missing.
    const text = (await gateway.scrape()) + (await brokenStore.scrape())
    for (const m of CONTRACT_METRICS) {
      expect(text, `${m.name} is not exposed`).toMatch(
        new RegExp(`^# TYPE ${m.name} ${m.type}$`, 'm')
      )
      // A renamed label leaves `sum by (old_name)` returning data, so label names are checked.
      // Label values hold braces (`/files/{resourceKey}`): match quoted strings as a whole.
      const series = new RegExp(
        `^${m.name}(?:_bucket|_sum|_count)?\\{((?:[^"}]|"(?:[^"\\\\]|\\\\.)*")*)\\}`,
        'gm'
      )
      const found = [...text.matchAll(series)]
      if (m.labels.length > 0) expect(found.length, `no ${m.name} series`).toBeGreaterThan(0)
      for (const [, labels] of found) {
        const names = [...labels!.matchAll(/(\w+)="(?:[^"\\]|\\.)*"/g)].map((l) => l[1])
        expect(names.filter((n) => n !== 'le').sort(), m.name).toEqual([...m.labels].sort())
      }
    }
  })

  it('Should scrape both gateways and see the dead target down', async () => {
    const up = await prometheus.query(`up{job="${JOB}"}`)
    expect(up.map((s) => s.value[1]).sort()).toEqual(['0', '1', '1'])
  })

  const queries = dashboardQueries()
  it.each(queries.map((q) => ({ ...q, name: `${q.dashboard} / ${q.panel} ${q.refId}` })))(
    'Should return data for $name',
    async ({ expr }) => {
      const promql = substitute(expr, { job: JOB, rateInterval: '1m', range: '1m' })
      const result = await prometheus.query(promql)
      expect(result.length, `no data for ${promql}`).toBeGreaterThan(0)
    }
  )

  it('Should find no data under a renamed metric (so the checks above can fail)', async () => {
    const original = substitute(queries[0]!.expr, { job: JOB })
    const renamed = original.replace(
      'drive_gateway_responses_total',
      'drive_gateway_response_total'
    )
    expect(renamed).not.toBe(original)
    expect((await prometheus.query(original)).length).toBeGreaterThan(0)
    expect(await prometheus.query(renamed)).toEqual([])
  })

  it('Should evaluate every rule without error', async () => {
    const rules = await prometheus.rules()
    expect(rules.length).toBe(committedRules().length)
    for (const r of rules) {
      expect(r.health, `${r.name}: ${r.lastError}`).toBe('ok')
    }
  })

  // No `for:` can elapse in a short test, so "crossed" means pending or firing.
  it('Should have every alert expression cross its threshold on the injected faults', async () => {
    const rules = (await prometheus.rules()).filter((r) => r.type === 'alerting')
    for (const r of rules) {
      expect(r.state, `${r.name} (${r.labels?.severity}) did not cross`).not.toBe('inactive')
    }
    const alerts = await prometheus.alerts()
    for (const a of alerts) {
      for (const text of Object.values(a.annotations))
        expect(text).not.toMatch(/error expanding|<no value>/i)
    }
  })

  it('Should point the per-instance and per-code alerts at the faulty part only', async () => {
    const alerts = await prometheus.alerts()
    const of = (name: string) =>
      alerts.filter((a) => a.labels.alertname === name).map((a) => a.labels)
    expect(of('DriveGatewayCacheStoreDown').map((l) => l.instance)).toEqual([
      hostPort(brokenStore.adminUrl),
    ])
    expect(of('DriveGatewayTargetDown').map((l) => l.instance)).toEqual([deadTarget])
    expect(of('DriveGatewayUpstreamFailures').map((l) => l.drive_error_code)).toEqual([
      'UPSTREAM_UNREACHABLE',
    ])
  })
})
