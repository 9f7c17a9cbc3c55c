import { Pool } from 'undici'

/** One kind of request the demo sends, with its share of the traffic. */
interface Scenario {
  readonly weight: number
  readonly method: 'GET' | 'POST' | 'DELETE'
  readonly path: () => string
  readonly headers?: Record<string, string>
}

const CALLERS = ['Bearer alice', 'Bearer bob', 'Bearer carol']
const KEYS = [
  'MTQ1MDMwMDJ8ODk0NTk0ODU4NTA0fER8MA',
  'MTQ1MDMwMDJ8NzA3NTYxMDQ3MzA0fEZ8MA',
  'NzExNTMwMDF8MTQ2NzA1NjAxMDAwMHxGfDA',
]
const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!

// Mostly cacheable lookups by a few callers, some listings and writes, and the errors an
// operator should see on the dashboards: 404s, 429s, 503s and slow 598s.
const SCENARIOS: readonly Scenario[] = [
  { weight: 50, method: 'GET', path: () => `/files/${pick(KEYS)}` },
  { weight: 15, method: 'GET', path: () => `/files/${pick(KEYS)}/children?offset=0&limit=20` },
  { weight: 5, method: 'GET', path: () => `/users/me/drive/files/${pick(KEYS)}` },
  { weight: 4, method: 'POST', path: () => `/files/${pick(KEYS)}/copy` },
  { weight: 2, method: 'DELETE', path: () => `/files/${pick(KEYS)}` },
  { weight: 3, method: 'GET', path: () => `/files/${pick(KEYS)}/download?size=65536` },
  { weight: 4, method: 'GET', path: () => '/files/gone', headers: { 'x-sim-status': '404' } },
  { weight: 2, method: 'GET', path: () => '/files/busy', headers: { 'x-sim-status': '429' } },
  {
    weight: 1,
    method: 'GET',
    path: () => '/files/locked',
    headers: { 'x-sim-status': '400', 'x-sim-code': 'LOCKED_FILE' },
  },
]
const TOTAL = SCENARIOS.reduce((sum, s) => sum + s.weight, 0)

function choose(): Scenario {
  let n = Math.random() * TOTAL
  for (const scenario of SCENARIOS) if ((n -= scenario.weight) < 0) return scenario
  return SCENARIOS[0]!
}

export interface TrafficStats {
  sent: number
  failed: number
  latenciesMs: number[]
}

/** Sends about `rate` requests a second until stopped; keeps client-side latencies. */
export function startTraffic(gatewayUrl: string, rate: number) {
  const pool = new Pool(gatewayUrl, { connections: 8 })
  const stats: TrafficStats = { sent: 0, failed: 0, latenciesMs: [] }
  const one = async () => {
    const scenario = choose()
    const started = performance.now()
    stats.sent++
    try {
      const res = await pool.request({
        method: scenario.method,
        path: scenario.path(),
        headers: { authorization: pick(CALLERS), consumerkey: 'demo', ...scenario.headers },
        body: scenario.method === 'POST' ? '{"toParentKey":"root"}' : undefined,
      })
      await res.body.dump()
      stats.latenciesMs.push(performance.now() - started)
      if (stats.latenciesMs.length > 2000) stats.latenciesMs.splice(0, 1000)
    } catch {
      stats.failed++
    }
  }
  const timer = setInterval(() => void one(), 1000 / rate)
  return {
    stats,
    async stop() {
      clearInterval(timer)
      await pool.close()
    },
  }
}
