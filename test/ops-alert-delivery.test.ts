import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator } from '../src/simulator/index.ts'
import { buildAlertmanagerConfig } from '../deploy/alertmanager/config.ts'
import { RECEIVER } from '../deploy/alertmanager/routing.ts'
import {
  ALERT,
  RULE_SETTINGS,
  buildRuleGroups,
  type AlertingRule,
} from '../deploy/prometheus/rules.ts'
import { toYaml } from '../deploy/render.ts'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { startAlertmanager, type RunningAlertmanager } from './helpers/ops/alertmanager-server.ts'
import { startPrometheus, type RunningPrometheus } from './helpers/ops/prometheus-server.ts'
import { ROOT } from './helpers/ops/promql.ts'
import { startWebhookSink, type WebhookSink } from './helpers/ops/webhook-sink.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'

// From a 598 burst to a human: the gateway in front of the simulator, a real Prometheus with the
// shipped rules, a real Alertmanager with the shipped routing, and a webhook sink as the pager
// and the ticket queue. The rules and the routing are rendered from the same generators at a
// time scale of 1/60, so a minute of the shipped rules is a second here: the 598 page's 5 m
// window and `for:` become 5 s, the 598 ticket's `for: 15m` becomes 15 s, and the whole test
// takes well under a minute instead of the shipped rules' quarter of an hour.

const SCALE = 1 / 60
const JOB = 'drive-gateway'
const settings = { ...RULE_SETTINGS, timeScale: SCALE }
const rules = buildRuleGroups(settings)
  .flatMap((g) => g.rules)
  .filter((r): r is AlertingRule => 'alert' in r)
const rule = (alert: string, severity: string) =>
  rules.find((r) => r.alert === alert && r.labels.severity === severity)!

let simulator: Awaited<ReturnType<typeof startSimulator>>
let gateway: TestGateway
let sink: WebhookSink
let alertmanager: RunningAlertmanager
let prometheus: RunningPrometheus
let dir: string
let traffic: Promise<void> | undefined
let stopTraffic = false
const started = Date.now()
let trafficStarted = 0

async function send(path: string, headers: Record<string, string> = {}) {
  try {
    const res = await fetch(gateway.url + path, { headers, signal: AbortSignal.timeout(10_000) })
    await res.arrayBuffer()
  } catch {
    // counted or not, the next round sends more
  }
}

/** Every 100 ms: two 598s and three 200s, about 20 598 per second (40 % of responses). */
async function run598Burst(): Promise<void> {
  while (!stopTraffic) {
    await Promise.all([
      send('/users/u1/drive/files/f1', { 'x-sim-status': '598' }),
      send('/users/u1/drive/files/f2', { 'x-sim-status': '598' }),
      ...[3, 4, 5].map((n) => send(`/users/u1/drive/files/f${n}`)),
    ])
    await sleep(100)
  }
}

/** Polls Prometheus until the alert is firing there; returns when it first saw it firing. */
async function firingInPrometheus(alert: string, severity: string, timeoutMs = 45_000) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const alerts = await prometheus.alerts()
    const found = alerts.find(
      (a) =>
        a.labels.alertname === alert &&
        a.labels.severity === severity &&
        (a as { state?: string }).state === 'firing'
    )
    if (found) return Date.now()
    if (Date.now() > until) throw new Error(`${alert} (${severity}) never fired in Prometheus`)
    await sleep(250)
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dgw-alert-e2e-'))
  const rulesFile = join(dir, 'rules.yml')
  writeFileSync(rulesFile, toYaml({ groups: buildRuleGroups(settings) }, 'test'))
  simulator = await startSimulator({})
  gateway = await startTestGateway({ UPSTREAM_URL: simulator.url })
  sink = await startWebhookSink()
  alertmanager = await startAlertmanager(
    buildAlertmanagerConfig({ page: `${sink.url}/page`, ticket: `${sink.url}/ticket` }, settings),
    [ROOT + 'deploy/alertmanager/drive-gateway.tmpl']
  )
  prometheus = await startPrometheus({
    job: JOB,
    targets: [new URL(gateway.adminUrl).host],
    ruleFiles: [rulesFile],
    alertmanagers: [new URL(alertmanager.url).host],
  })
  await prometheus.waitForScrapes(1)
  trafficStarted = Date.now()
  traffic = run598Burst()
}, 60_000)

afterAll(async () => {
  stopTraffic = true
  await traffic
  await prometheus?.close()
  await alertmanager?.close()
  await sink?.close()
  await gateway?.close()
  await simulator?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
  console.log(`alert delivery end to end: ${((Date.now() - started) / 1000).toFixed(1)} s in all`)
})

describe('a 598 burst reaches the pager once, and only the pager', () => {
  it('Should page once with the labels and annotations operators need, and keep the 598 tickets silent', async () => {
    const page = rule(ALERT.longRunning, 'page')
    const ticket = rule(ALERT.longRunning, 'ticket')
    const rateTicket = rule(ALERT.longRunningRate, 'ticket')
    expect(page.for).toBe('5s')
    expect(ticket.for).toBe('15s')
    expect(rateTicket.for).toBe('10s')

    // The tickets fire in Prometheus: past their scaled `for:` (15 s and 10 s) with 598s still
    // flowing. Alertmanager must hold them back for as long as the page fires.
    const ticketFired = await firingInPrometheus(ALERT.longRunning, 'ticket')
    await firingInPrometheus(ALERT.longRunningRate, 'ticket')
    // Past group_wait (0.5 s) and one group_interval (5 s) of the scaled routing.
    await sleep(6_000)

    const ofAlert = (alert: string, severity: string) =>
      sink.received.filter((n) =>
        n.body.alerts.some((a) => a.labels.alertname === alert && a.labels.severity === severity)
      )
    const pages = ofAlert(ALERT.longRunning, 'page')
    expect(pages.map((n) => n.body.status)).toEqual(['firing'])
    const [notification] = pages
    expect(notification!.path).toBe('/page')
    expect(notification!.body.receiver).toBe(RECEIVER.page)
    const [alert] = notification!.body.alerts
    expect(alert!.labels).toEqual({ alertname: ALERT.longRunning, severity: 'page', job: JOB })
    expect(alert!.annotations.summary).toMatch(
      /^drive-gateway: \d+(\.\d+)?% of Drive API calls answer 598$/
    )
    expect(alert!.annotations.top_error_codes).toBe('LONG_RUNNING_TRANSACTION')
    expect(alert!.annotations.runbook_url).toBe(
      `${RULE_SETTINGS.runbookUrl}#${ALERT.longRunning.toLowerCase()}`
    )
    expect(new URL(alert!.annotations.runbook_url!).protocol).toBe('https:')
    expect(alert!.annotations.dashboard_url).toBe(
      `${RULE_SETTINGS.grafanaUrl}/d/drive-gateway-errors?var-job=${JOB}`
    )
    expect(alert!.annotations.description).toContain('LONG_RUNNING_TRANSACTION')

    // Inhibited, not lost: Alertmanager holds both tickets, suppressed by the page.
    const held = await alertmanager.alerts()
    for (const r of [ticket, rateTicket]) {
      const a = held.find((x) => x.labels.alertname === r.alert && x.labels.severity === 'ticket')
      expect(a, `${r.alert} (ticket) never reached Alertmanager`).toBeDefined()
      expect(a!.status.state).toBe('suppressed')
      expect(a!.status.inhibitedBy.length).toBe(1)
    }
    expect(ofAlert(ALERT.longRunning, 'ticket')).toEqual([])
    expect(ofAlert(ALERT.longRunningRate, 'ticket')).toEqual([])
    expect(sink.received.filter((n) => n.path === '/ticket')).toEqual([])

    const at = (t: number) => `${((t - trafficStarted) / 1000).toFixed(1)} s`
    console.log(
      `598 burst: page delivered at ${at(notification!.at)}, ticket firing in Prometheus at ` +
        `${at(ticketFired)} and inhibited; checked at ${at(Date.now())}`
    )
  }, 90_000)
})
