import { startFromConfig } from '../src/bootstrap.ts'
import { loadConfig } from '../src/config/index.ts'
import { createLogger } from '../src/logging/logger.ts'
import { startSimulator } from '../src/simulator/index.ts'
import { renderSummary } from './summary.ts'
import { startTraffic } from './traffic.ts'

// `npm run demo`: the simulator, the gateway in front of it (in-memory cache), light mixed
// traffic with some 503s and 598s, and a summary refreshed every two seconds until Ctrl-C.
// DEMO_DURATION_S stops it by itself (used by the demo's own test).

const duration = Number(process.env.DEMO_DURATION_S ?? 0)
const port = process.env.DEMO_PORT ?? '8080'
const adminPort = process.env.DEMO_ADMIN_PORT ?? '9464'

const simulator = await startSimulator({
  latencyMs: { p50: 15, p99: 120 },
  faultRates: [
    { status: 503, rate: 0.02 },
    { status: 598, rate: 0.01, delayMs: 1500 },
    { status: 500, rate: 0.005 },
  ],
  maxRecords: 0,
})
const config = loadConfig({
  UPSTREAM_URL: simulator.url,
  PORT: port,
  ADMIN_PORT: adminPort,
  ADMIN_HOST: '127.0.0.1',
  ADMIN_TOKEN: 'demo',
  LOG_LEVEL: 'warn',
})
const gateway = await startFromConfig(config, { logger: createLogger('warn') })
const traffic = startTraffic(gateway.url, 20)

const intro = [
  'drive-gateway demo',
  `  simulator (Drive API)  ${simulator.url}`,
  `  gateway                ${gateway.url}    try: curl -i -H 'Authorization: Bearer me' -H 'consumerKey: k' ${gateway.url}/files/abc`,
  `  metrics                ${gateway.adminUrl}/metrics`,
  `  health                 ${gateway.adminUrl}/healthz  ${gateway.adminUrl}/readyz`,
  `  an error               curl -i -H 'x-sim-status: 598' ${gateway.url}/files/abc/copy -X POST`,
  '',
].join('\n')

const tty = process.stdout.isTTY
async function refresh() {
  const exposition = await fetch(`${gateway.adminUrl}/metrics`).then((r) => r.text())
  const text = intro + renderSummary(exposition, traffic.stats) + '\n'
  process.stdout.write(tty ? `\x1b[2J\x1b[H${text}` : `${text}\n`)
}

const timer = setInterval(() => void refresh(), 2000)
let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  clearInterval(timer)
  await traffic.stop()
  await refresh()
  await gateway.shutdown(1000)
  await simulator.close()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
if (duration > 0) setTimeout(() => void stop(), duration * 1000)
await refresh()
