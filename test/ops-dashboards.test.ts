import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DASHBOARDS } from '../dashboards/src/index.ts'
import { seriesNames } from './helpers/ops/metric-contract.ts'
import {
  ROOT,
  committedRules,
  dashboardQueries,
  parsePromql,
  substitute,
} from './helpers/ops/promql.ts'
import { promtool, withTempDir } from './helpers/ops/promtool.ts'

interface Panel {
  type: string
  title: string
  datasource?: { type: string; uid: string }
  gridPos: { x: number; y: number; w: number; h: number }
  targets?: { expr: string; refId: string }[]
}

interface Dashboard {
  uid: string
  title: string
  panels: Panel[]
  templating: { list: { name: string; type: string; query?: unknown }[] }
}

const dashboards = DASHBOARDS.map(
  ({ file }) => JSON.parse(readFileSync(ROOT + file, 'utf8')) as Dashboard
)
const queries = dashboardQueries()
const rules = committedRules()
const recorded = new Set(rules.flatMap((r) => ('record' in r ? [r.record] : [])))
const vars = { job: 'drive-gateway' }

describe('Grafana dashboards', () => {
  it('Should have unique uids and the datasource, job, instance and route variables', () => {
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(dashboards.length)
    for (const d of dashboards) {
      const names = d.templating.list.map((v) => v.name)
      expect(names).toEqual(['datasource', 'job', 'instance', 'route'])
      expect(d.templating.list[0]).toMatchObject({ type: 'datasource', query: 'prometheus' })
    }
  })

  it('Should query through the datasource variable, with an expr and a unique refId per target', () => {
    for (const d of dashboards) {
      for (const p of d.panels.filter((p) => p.type !== 'row')) {
        expect(p.datasource, `${d.uid} / ${p.title}`).toEqual({
          type: 'prometheus',
          uid: '${datasource}',
        })
        expect(p.targets?.length, `${d.uid} / ${p.title}`).toBeGreaterThan(0)
        const refIds = p.targets!.map((t) => t.refId)
        expect(new Set(refIds).size).toBe(refIds.length)
        for (const t of p.targets!) expect(t.expr.trim()).not.toBe('')
      }
    }
  })

  it('Should lay panels on the 24-column grid without overlaps', () => {
    for (const d of dashboards) {
      const cells = new Set<string>()
      for (const { gridPos: g, title } of d.panels) {
        expect(g.x + g.w, `${d.uid} / ${title}`).toBeLessThanOrEqual(24)
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            expect(cells.has(`${x},${y}`), `${d.uid} / ${title} overlaps at ${x},${y}`).toBe(false)
            cells.add(`${x},${y}`)
          }
        }
      }
    }
  })

  it('Should cover the panels the issue asks for', () => {
    const titles = (uid: string) =>
      dashboards.find((d) => d.uid === uid)!.panels.map((p) => p.title.toLowerCase())
    expect(titles('drive-gateway-overview').join('|')).toMatch(
      /request rate.*5xx ratio.*598 ratio.*4xx by drive error code.*p50 \/ p90 \/ p99/
    )
    expect(titles('drive-gateway-errors').join('|')).toMatch(/gateway-made errors/)
    expect(titles('drive-gateway-cache').join('|')).toMatch(/store up.*store errors/s)
    expect(titles('drive-gateway-runtime').join('|')).toMatch(/event-loop lag.*memory.*cpu/)
    const exemplars = queries.filter((q) => q.expr.includes('http_server_request_duration_seconds'))
    expect(exemplars.length).toBeGreaterThan(0)
  })

  it.each(queries.map((q) => ({ ...q, name: `${q.dashboard} / ${q.panel} ${q.refId}` })))(
    'Should parse $name',
    ({ expr }) => {
      const { errors } = parsePromql(substitute(expr, vars))
      expect(errors, substitute(expr, vars)).toEqual([])
    }
  )
})

describe('metric names in dashboards and rules', () => {
  const known = seriesNames()

  it('Should use only metrics of the contract list or recorded by our rules', () => {
    const used = [
      ...queries.map((q) => ({
        where: `${q.dashboard} / ${q.panel}`,
        expr: substitute(q.expr, vars),
      })),
      ...rules.map((r) => ({ where: 'record' in r ? r.record : r.alert, expr: r.expr })),
    ]
    for (const { where, expr } of used) {
      for (const name of parsePromql(expr).metrics) {
        expect(known.has(name) || recorded.has(name), `${where} uses unknown metric ${name}`).toBe(
          true
        )
      }
    }
  })

  it('Should fail on a renamed metric (the check itself works)', () => {
    const names = parsePromql('sum(rate(drive_gateway_response_total[5m]))').metrics
    expect([...names].filter((n) => !known.has(n))).toEqual(['drive_gateway_response_total'])
  })
})

describe('dashboard expression types', () => {
  // promtool type-checks rule files, and lezer does not (it accepts `rate(instant_vector)`), so
  // every panel query becomes a temporary recording rule and goes through `promtool check rules`.
  it('Should pass promtool check rules as recording rules', async () => {
    const group = {
      name: 'dashboards',
      rules: queries.map((q, i) => ({
        record: `dashboard:panel_${i}:check`,
        expr: substitute(q.expr, vars),
      })),
    }
    const { code, output } = await withTempDir({ 'panels.yml': { groups: [group] } }, (dir) =>
      promtool(['check', 'rules', 'panels.yml'], dir)
    )
    expect(output, output).toContain(`SUCCESS: ${queries.length} rules found`)
    expect(code).toBe(0)
  })

  it('Should catch a type error the parser misses', async () => {
    const group = {
      name: 'x',
      rules: [{ record: 'x:y:z', expr: 'rate(drive_gateway_responses_total)' }],
    }
    expect(parsePromql(group.rules[0]!.expr).errors).toEqual([])
    const { code } = await withTempDir({ 'bad.yml': { groups: [group] } }, (dir) =>
      promtool(['check', 'rules', 'bad.yml'], dir)
    )
    expect(code).not.toBe(0)
  })
})
