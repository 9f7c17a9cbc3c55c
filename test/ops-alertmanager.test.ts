import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { buildAlertmanagerConfig, COMPOSE_RECEIVERS } from '../deploy/alertmanager/config.ts'
import { INHIBITIONS, RECEIVER } from '../deploy/alertmanager/routing.ts'
import { RULE_SETTINGS, buildRuleGroups, type AlertingRule } from '../deploy/prometheus/rules.ts'
import { startAlertmanager, type RunningAlertmanager } from './helpers/ops/alertmanager-server.ts'
import { amtool } from './helpers/ops/amtool.ts'
import { ROOT } from './helpers/ops/promql.ts'
import { withTempDir } from './helpers/ops/promtool.ts'
import { startWebhookSink, type WebhookSink } from './helpers/ops/webhook-sink.ts'

const CONFIG = 'deploy/alertmanager/alertmanager.yml'
const TEMPLATE = ROOT + 'deploy/alertmanager/drive-gateway.tmpl'
const alerts = buildRuleGroups()
  .flatMap((g) => g.rules)
  .filter((r): r is AlertingRule => 'alert' in r)

/** Labels a firing alert of the rule carries (job, plus what its expression keeps). */
function labelsOf(rule: AlertingRule, job = 'drive-gateway'): Record<string, string> {
  const extra: Record<string, string> = {}
  if (rule.expr.includes('drive_error_code') && rule.expr.includes('group_left'))
    extra.drive_error_code = 'UPSTREAM_TIMEOUT'
  if (!rule.expr.startsWith('sum') && !rule.expr.startsWith('(') && !rule.expr.startsWith('hist'))
    extra.instance = 'gw-0:9464'
  return { alertname: rule.alert, severity: rule.labels.severity, job, ...extra }
}

const kv = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`)

describe('Alertmanager configuration (amtool)', () => {
  it('Should pass amtool check-config, templates included', async () => {
    const { code, output } = await amtool(['check-config', CONFIG], ROOT)
    expect(output).toContain('SUCCESS')
    expect(output).toContain('1 templates')
    expect(code).toBe(0)
  })

  it.each(alerts.map((r) => ({ name: `${r.alert} (${r.labels.severity})`, rule: r })))(
    'Should route $name to its receiver',
    async ({ rule }) => {
      const receiver = RECEIVER[rule.labels.severity]
      const { code, output, stdout } = await amtool(
        [
          'config',
          'routes',
          'test',
          `--config.file=${CONFIG}`,
          `--verify.receivers=${receiver}`,
          ...kv(labelsOf(rule)),
        ],
        ROOT
      )
      expect(stdout.trim(), output).toBe(receiver)
      expect(code).toBe(0)
    }
  )

  it('Should fail a route test that expects the wrong receiver (the check itself works)', async () => {
    const ticket = alerts.find((r) => r.labels.severity === 'ticket')!
    const { code } = await amtool(
      [
        'config',
        'routes',
        'test',
        `--config.file=${CONFIG}`,
        `--verify.receivers=${RECEIVER.page}`,
        ...kv(labelsOf(ticket)),
      ],
      ROOT
    )
    expect(code).not.toBe(0)
  })

  it('Should send an alert without a known severity to the ticket receiver', async () => {
    const { code, stdout } = await amtool(
      ['config', 'routes', 'test', `--config.file=${CONFIG}`, 'alertname=Other', 'job=x'],
      ROOT
    )
    expect(stdout.trim()).toBe(RECEIVER.ticket)
    expect(code).toBe(0)
  })

  it('Should pair only alerts and severities the rules define, on labels both keep', () => {
    for (const i of INHIBITIONS) {
      for (const ref of [i.source, i.target]) {
        const rule = alerts.find(
          (r) => r.alert === ref.alertname && r.labels.severity === ref.severity
        )
        expect(rule, `${ref.alertname} (${ref.severity}) is not a rule`).toBeDefined()
        for (const label of i.equal) {
          expect(labelsOf(rule!), `${ref.alertname} has no ${label}`).toHaveProperty(label)
        }
      }
      expect(i.equal).toContain('job')
    }
  })

  it('Should render the notification template with summary, top codes, runbook and dashboard', async () => {
    const rule = alerts.find((r) => r.alert === 'DriveGatewayLongRunningTransactions')!
    const alert = {
      status: 'firing',
      labels: labelsOf(rule),
      annotations: {
        summary: 'drive-gateway: 15% of Drive API calls answer 598',
        description: 'the description',
        top_error_codes: 'LONG_RUNNING_TRANSACTION',
        runbook_url: rule.annotations.runbook_url,
        dashboard_url: rule.annotations.dashboard_url.replace('{{ $labels.job }}', 'drive-gateway'),
      },
      startsAt: '2026-11-28T09:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: '1',
    }
    const data = {
      receiver: RECEIVER.page,
      status: 'firing',
      alerts: [alert],
      groupLabels: { alertname: rule.alert, job: 'drive-gateway' },
      commonLabels: alert.labels,
      commonAnnotations: alert.annotations,
      externalURL: 'http://alertmanager:9093',
    }
    await withTempDir({ 'data.json': JSON.stringify(data) }, async (dir) => {
      const render = (template: string) =>
        amtool([
          'template',
          'render',
          `--template.glob=${TEMPLATE}`,
          `--template.data=${join(dir, 'data.json')}`,
          `--template.text={{ template "${template}" . }}`,
        ])
      const title = await render('drive_gateway.title')
      expect(title.code, title.output).toBe(0)
      expect(title.stdout.trim()).toBe(
        '[FIRING:1] DriveGatewayLongRunningTransactions (page) drive-gateway'
      )
      const text = await render('drive_gateway.text')
      expect(text.code, text.output).toBe(0)
      expect(text.output).toContain('drive-gateway: 15% of Drive API calls answer 598')
      expect(text.output).toContain('Top error codes: LONG_RUNNING_TRANSACTION')
      expect(text.output).toContain(`Runbook: ${rule.annotations.runbook_url}`)
      expect(text.output).toContain(
        `Dashboard: ${RULE_SETTINGS.grafanaUrl}/d/drive-gateway-errors?var-job=drive-gateway`
      )
    })
  })

  it('Should ship the compose receivers and no other URL', () => {
    const config = parse(readFileSync(ROOT + CONFIG, 'utf8')) as {
      receivers: { name: string; webhook_configs: { url: string }[] }[]
    }
    const urls = config.receivers.flatMap((r) => r.webhook_configs.map((w) => w.url))
    expect(urls.sort()).toEqual([COMPOSE_RECEIVERS.page, COMPOSE_RECEIVERS.ticket].sort())
  })
})

/** `node deploy/alertmanager/render.ts` with only the given environment. */
function renderCli(env: Record<string, string>, args: string[] = []) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [ROOT + 'deploy/alertmanager/render.ts', ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, cwd: ROOT },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr })
    )
  })
}

describe('deploy-time rendering of the receivers (render.ts)', () => {
  it('Should render the URLs from the environment and from files into a config amtool accepts', async () => {
    await withTempDir({ 'ticket-url': 'https://tickets.example.net/hook/abc\n' }, async (dir) => {
      const out = join(dir, 'alertmanager.yml')
      const { code, stderr } = await renderCli(
        {
          ALERTMANAGER_PAGE_URL: 'https://pager.example.net/alertmanager/xyz',
          ALERTMANAGER_TICKET_URL_FILE: join(dir, 'ticket-url'),
          ALERTMANAGER_SLACK_URL_FILE: '/run/secrets/slack-url',
        },
        ['--out', out]
      )
      expect(stderr).toBe('')
      expect(code).toBe(0)
      writeFileSync(join(dir, 'drive-gateway.tmpl'), readFileSync(TEMPLATE))
      const check = await amtool(['check-config', out])
      expect(check.output).toContain('SUCCESS')
      const config = parse(readFileSync(out, 'utf8')) as {
        receivers: {
          name: string
          webhook_configs: { url: string }[]
          slack_configs: { api_url_file: string }[]
        }[]
      }
      const byName = new Map(config.receivers.map((r) => [r.name, r]))
      expect(byName.get(RECEIVER.page)!.webhook_configs[0]!.url).toBe(
        'https://pager.example.net/alertmanager/xyz'
      )
      expect(byName.get(RECEIVER.ticket)!.webhook_configs[0]!.url).toBe(
        'https://tickets.example.net/hook/abc'
      )
      expect(byName.get(RECEIVER.page)!.slack_configs[0]!.api_url_file).toBe(
        '/run/secrets/slack-url'
      )
      // Everything but the receivers is the shipped configuration.
      const shipped = parse(readFileSync(ROOT + CONFIG, 'utf8')) as Record<string, unknown>
      const rendered = parse(readFileSync(out, 'utf8')) as Record<string, unknown>
      expect(rendered.route).toEqual(shipped.route)
      expect(rendered.inhibit_rules).toEqual(shipped.inhibit_rules)
    })
  })

  it.each([
    [{}, 'ALERTMANAGER_PAGE_URL: required'],
    [{ ALERTMANAGER_PAGE_URL: 'https://p.example.net/' }, 'ALERTMANAGER_TICKET_URL: required'],
    [
      { ALERTMANAGER_PAGE_URL: 'pager', ALERTMANAGER_TICKET_URL: 'https://t.example.net/' },
      'ALERTMANAGER_PAGE_URL: expected an http(s) URL',
    ],
    [
      {
        ALERTMANAGER_PAGE_URL: 'https://p.example.net/',
        ALERTMANAGER_TICKET_URL_FILE: '/nonexistent/ticket-url',
      },
      'ALERTMANAGER_TICKET_URL_FILE="/nonexistent/ticket-url": cannot read it',
    ],
  ] as [Record<string, string>, string][])(
    'Should stop with one line naming the setting (%j)',
    async (env, message) => {
      const { code, stdout, stderr } = await renderCli(env)
      expect(code).toBe(2)
      expect(stdout).toBe('')
      expect(stderr.trim().split('\n')).toHaveLength(1)
      expect(stderr).toContain(message)
    }
  )
})

// Inhibition against a real Alertmanager, pair by pair, with the shipped routing at 1/60 time
// scale (group_wait 0.5 s). Alerts are posted the way Prometheus posts them.
describe('inhibitions in a real Alertmanager', () => {
  const scale = 1 / 60
  let am: RunningAlertmanager
  let sink: WebhookSink

  beforeAll(async () => {
    sink = await startWebhookSink()
    const config = buildAlertmanagerConfig(
      { page: `${sink.url}/page`, ticket: `${sink.url}/ticket` },
      { ...RULE_SETTINGS, timeScale: scale }
    )
    am = await startAlertmanager(config, [TEMPLATE])
  })

  afterAll(async () => {
    await am?.close()
    await sink?.close()
  })

  const find = (rule: { alertname: string; severity: string }) =>
    alerts.find((r) => r.alert === rule.alertname && r.labels.severity === rule.severity)!

  /** Polls until the alert of `labels` has a state other than unprocessed. */
  async function stateOf(labels: Record<string, string>) {
    const until = Date.now() + 10_000
    for (;;) {
      const match = (await am.alerts()).find((a) =>
        Object.entries(labels).every(([k, v]) => a.labels[k] === v)
      )
      if (match && match.status.state !== 'unprocessed') return match.status
      if (Date.now() > until) throw new Error(`alert ${JSON.stringify(labels)} never processed`)
      await sleep(100)
    }
  }

  it('Should silence each target while its source fires for the same job, and notify the source', async () => {
    // One job per pair, so pairs cannot inhibit each other's alerts.
    const pairs = INHIBITIONS.map((i, n) => {
      const job = `pair-${n}`
      return {
        i,
        source: labelsOf(find(i.source), job),
        target: labelsOf(find(i.target), job),
        // The same target in another job (and, when per instance, another instance).
        other: { ...labelsOf(find(i.target), `other-${n}`) },
        otherInstance: i.equal.includes('instance')
          ? { ...labelsOf(find(i.target), job), instance: 'gw-1:9464' }
          : undefined,
      }
    })
    await am.post(pairs.map((p) => ({ labels: p.source })))
    // Prometheus keeps sending firing alerts; the source is known before the targets arrive.
    await Promise.all(pairs.map((p) => stateOf(p.source)))
    await am.post(
      pairs.flatMap((p) =>
        [p.target, p.other, p.otherInstance].filter(Boolean).map((labels) => ({ labels: labels! }))
      )
    )
    for (const p of pairs) {
      const target = await stateOf(p.target)
      expect(target.state, `${p.i.target.alertname} under ${p.i.source.alertname}`).toBe(
        'suppressed'
      )
      expect(target.inhibitedBy.length).toBe(1)
      expect((await stateOf(p.other)).state, `${p.i.target.alertname} of another job`).toBe(
        'active'
      )
      if (p.otherInstance) {
        expect((await stateOf(p.otherInstance)).state, 'another instance').toBe('active')
      }
    }
    // Past group_wait (0.5 s) and a group_interval (5 s): what was notified, and what was not.
    await sleep(6_000)
    const notified = (labels: Record<string, string>) =>
      sink.received.some((n) =>
        n.body.alerts.some((a) => Object.entries(labels).every(([k, v]) => a.labels[k] === v))
      )
    for (const p of pairs) {
      expect(notified(p.source), `${p.i.source.alertname} not notified`).toBe(true)
      expect(notified(p.target), `${p.i.target.alertname} notified while inhibited`).toBe(false)
      expect(notified(p.other), `${p.i.target.alertname} of another job not notified`).toBe(true)
    }
    for (const n of sink.received) {
      const severity = n.body.commonLabels.severity as 'page' | 'ticket'
      expect(n.path).toBe(`/${severity}`)
      expect(n.body.receiver).toBe(RECEIVER[severity])
    }
  }, 60_000)
})
