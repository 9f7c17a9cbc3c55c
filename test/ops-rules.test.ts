import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BUILTIN_ROUTES } from '../src/routes/builtin.ts'
import {
  NOT_TRANSFER,
  RULE_SETTINGS,
  buildRuleGroups,
  type AlertingRule,
  type RuleSettings,
} from '../deploy/prometheus/rules.ts'
import { RULE_TEST_CASES, buildRuleTests } from '../deploy/prometheus/rules-tests.ts'
import { DASHBOARDS } from '../dashboards/src/index.ts'
import { toYaml } from '../deploy/render.ts'
import { ROOT, committedRules } from './helpers/ops/promql.ts'
import { promtool, withTempDir } from './helpers/ops/promtool.ts'

const RULES = 'deploy/prometheus/rules.yml'
const TESTS = 'deploy/prometheus/rules.test.yml'

const alerts = committedRules().filter((r): r is AlertingRule => 'alert' in r)

/** Runs the promtool unit tests against rules rendered from other settings or edited text. */
async function promtoolTestWith(rulesYaml: string, settings: RuleSettings = RULE_SETTINGS) {
  return withTempDir(
    { 'rules.yml': rulesYaml, 'rules.test.yml': toYaml(buildRuleTests(settings), 'test') },
    (dir) => promtool(['test', 'rules', 'rules.test.yml'], dir)
  )
}

describe('Prometheus rules', () => {
  it('Should pass promtool check rules (syntax, types, templates)', async () => {
    const { code, output } = await promtool(['check', 'rules', RULES], ROOT)
    expect(output).toContain('SUCCESS')
    expect(code).toBe(0)
  })

  // promtool evaluates the rule groups in a random order unless the test file fixes it, and an
  // alert evaluated before the recording rules it reads sees values one interval old. The file
  // fixes the order; 30 runs in a row show no run depends on luck (it failed ~1 in 10 before).
  it('Should pass every promtool unit test 30 times in a row', async () => {
    const runs = 30
    let passed = 0
    for (let i = 0; i < runs; i++) {
      const { code, output } = await promtool(['test', 'rules', TESTS], ROOT)
      expect(output, `run ${i + 1}: ${output}`).toContain('SUCCESS')
      expect(code, `run ${i + 1}`).toBe(0)
      passed++
    }
    expect(passed).toBe(runs)
  }, 1_800_000)

  it('Should fail when the alert group is evaluated before the recording group', async () => {
    const groups = buildRuleGroups().map((g) => g.name)
    const tests = toYaml(buildRuleTests(RULE_SETTINGS, [...groups].reverse()), 'test')
    const { code, output } = await withTempDir(
      { 'rules.yml': readFileSync(ROOT + RULES, 'utf8'), 'rules.test.yml': tests },
      (dir) => promtool(['test', 'rules', 'rules.test.yml'], dir)
    )
    expect(code).not.toBe(0)
    expect(output).toContain('fast burn (5 % 5xx) pages')
  })

  it('Should have a test where each alert and severity fires, and one where it stays silent', () => {
    for (const rule of alerts) {
      const checks = RULE_TEST_CASES.flatMap((c) => c.alerts).filter((a) => a.alert === rule.alert)
      const fires = checks.some((a) => a.firing.some((f) => f.severity === rule.labels.severity))
      const silent = checks.some((a) => a.firing.every((f) => f.severity !== rule.labels.severity))
      expect(fires, `${rule.alert} (${rule.labels.severity}) never fires in a test`).toBe(true)
      expect(silent, `${rule.alert} (${rule.labels.severity}) is never checked silent`).toBe(true)
    }
  })

  it('Should name recording rules level:metric:operations', () => {
    const records = committedRules().flatMap((r) => ('record' in r ? [r.record] : []))
    expect(records.length).toBeGreaterThan(0)
    for (const name of records) expect(name).toMatch(/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/)
  })

  it('Should give every alert a severity, a summary and a runbook section that exists', () => {
    const runbook = readFileSync(ROOT + 'deploy/prometheus/runbook.md', 'utf8')
    const anchors = new Set(
      [...runbook.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]!.trim().toLowerCase().replace(/\s+/g, '-')
      )
    )
    for (const rule of alerts) {
      expect(['page', 'ticket']).toContain(rule.labels.severity)
      expect(rule.annotations.summary).toBeTruthy()
      expect(rule.annotations.runbook).toBeTruthy()
      const anchor = rule.annotations.runbook_url.split('#')[1]!
      expect(anchors, `runbook.md has no section for ${rule.alert}`).toContain(anchor)
    }
  })

  it('Should leave out of latency exactly the transfer routes of the route table', () => {
    // Prometheus anchors regex matchers; the route table is what labels `http_route`.
    const regex = new RegExp(`^(?:${/!~"(.*)"/.exec(NOT_TRANSFER)![1]})$`)
    for (const route of BUILTIN_ROUTES) {
      expect(regex.test(route.template), `${route.methods} ${route.template}`).toBe(
        route.kind === 'transfer'
      )
    }
  })

  it('Should link each alert to an absolute runbook URL and dashboard, built from one setting each', () => {
    const uids = DASHBOARDS.map(
      ({ file }) => (JSON.parse(readFileSync(ROOT + file, 'utf8')) as { uid: string }).uid
    )
    for (const rule of alerts) {
      const runbook = new URL(rule.annotations.runbook_url)
      expect(runbook.protocol).toBe('https:')
      expect(rule.annotations.runbook_url).toBe(
        `${RULE_SETTINGS.runbookUrl}#${rule.alert.toLowerCase()}`
      )
      const dashboard = rule.annotations.dashboard_url.replace('{{ $labels.job }}', 'drive-gateway')
      expect(dashboard.startsWith(RULE_SETTINGS.grafanaUrl + '/d/')).toBe(true)
      expect(uids).toContain(new URL(dashboard).pathname.split('/')[2])
    }
    const moved = buildRuleGroups({ ...RULE_SETTINGS, runbookUrl: 'https://wiki.example.org/rb' })
      .flatMap((g) => g.rules)
      .filter((r): r is AlertingRule => 'alert' in r)
    for (const r of moved)
      expect(r.annotations.runbook_url).toMatch(/^https:\/\/wiki\.example\.org\/rb#/)
  })

  it('Should scale every window and for: with the time scale, and nothing else', () => {
    const scaled = buildRuleGroups({ ...RULE_SETTINGS, timeScale: 1 / 60 })
    const shipped = buildRuleGroups()
    const durations = (groups: typeof shipped) =>
      groups
        .flatMap((g) => g.rules)
        .flatMap((r) =>
          [...r.expr.matchAll(/\[(\w+)\]/g)]
            .map((m) => m[1])
            .concat('for' in r && r.for ? [r.for] : [])
        )
    expect(durations(shipped)).toContain('3d')
    expect(durations(scaled)).not.toContain('3d')
    expect(durations(scaled)).toContain('1h12m')
    const names = (groups: typeof shipped) =>
      groups.flatMap((g) => g.rules.map((r) => ('alert' in r ? r.alert : r.record)))
    expect(names(scaled)).toEqual(names(shipped))
  })

  it('Should list every alert in the deploy README', () => {
    const readme = readFileSync(ROOT + 'deploy/README.md', 'utf8')
    for (const rule of alerts) expect(readme).toContain(`\`${rule.alert}\``)
  })

  it('Should derive every burn-rate threshold from the one SLO target setting', () => {
    const exprs = (target: number) =>
      buildRuleGroups({ ...RULE_SETTINGS, sloTarget: target })
        .flatMap((g) => g.rules)
        .filter((r): r is AlertingRule => 'alert' in r && r.alert === 'DriveGatewayErrorBudgetBurn')
        .map((r) => r.expr)
        .join('\n')
    expect(exprs(0.999)).toMatch(/\(14\.4 \* 0\.001\)/)
    expect(exprs(0.995)).toMatch(/\(14\.4 \* 0\.005\)/)
    expect(exprs(0.995)).not.toContain('0.001')
  })

  // The unit tests must be able to fail: each edit below removes one decision, and some test
  // that covers that decision has to catch it.
  // One promtool at a time: each run is CPU-bound, and the 30-run test above already competes.
  describe('unit tests catch a broken rule', { timeout: 300_000 }, () => {
    const yaml = readFileSync(ROOT + RULES, 'utf8')

    it('Should fail when the low-traffic guard is removed', async () => {
      const rules = toYaml(
        { groups: buildRuleGroups({ ...RULE_SETTINGS, minBadResponses: 0 }) },
        'x'
      )
      const { code, output } = await promtoolTestWith(rules, {
        ...RULE_SETTINGS,
        minBadResponses: 0,
      })
      expect(code).not.toBe(0)
      expect(output).toContain('low traffic: a handful of failures')
    })

    it('Should fail when 598 counts against the availability SLO', async () => {
      const { code, output } = await promtoolTestWith(
        yaml.replaceAll(',http_response_status_code!="598",drive_error_code', ',drive_error_code')
      )
      expect(code).not.toBe(0)
      expect(output).toContain('598 are left out of the SLO')
    })

    it('Should fail when NOT_CACHED counts against the availability SLO', async () => {
      const { code, output } = await promtoolTestWith(
        yaml.replaceAll(',drive_error_code!="NOT_CACHED"', '')
      )
      expect(code).not.toBe(0)
      expect(output).toContain("the gateway's NOT_CACHED 504 is left out of the SLO")
    })

    it('Should fail when transfer routes count toward the latency alert', async () => {
      const { code, output } = await promtoolTestWith(
        yaml.replaceAll('http_route!~"/files|.*/download",', '')
      )
      expect(code).not.toBe(0)
      expect(output).toContain('p99 with only transfers and 598 slow')
    })
  })
})
