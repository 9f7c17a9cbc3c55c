/**
 * PromQL helpers for the ops tests: the queries the dashboards and rules ship, Grafana's
 * variables substituted, parsed with Prometheus's own Lezer grammar.
 */

import { readFileSync } from 'node:fs'
import { parser } from '@prometheus-io/lezer-promql'
import { DASHBOARDS } from '../../../dashboards/src/index.ts'
import type { Rule } from '../../../deploy/prometheus/rules.ts'
import { parse as parseYaml } from 'yaml'

export const ROOT = new URL('../../../', import.meta.url).pathname

export interface PanelQuery {
  readonly dashboard: string
  readonly panel: string
  readonly refId: string
  readonly expr: string
  /** An instant query (tables), evaluated at one time rather than over a range. */
  readonly instant: boolean
}

interface PanelJson {
  type: string
  title: string
  panels?: PanelJson[]
  targets?: { expr?: string; refId?: string; instant?: boolean }[]
}

/** Every target of every panel in the committed dashboard JSON (what Grafana loads). */
export function dashboardQueries(): PanelQuery[] {
  return DASHBOARDS.flatMap(({ file }) => {
    const json = JSON.parse(readFileSync(ROOT + file, 'utf8')) as {
      uid: string
      panels: PanelJson[]
    }
    const panels = json.panels.flatMap((p) => [p, ...(p.panels ?? [])])
    return panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({
        dashboard: json.uid,
        panel: p.title,
        refId: t.refId ?? '',
        expr: t.expr ?? '',
        instant: t.instant === true,
      }))
    )
  })
}

/** The rules as committed in `deploy/prometheus/rules.yml`. */
export function committedRules(): Rule[] {
  const doc = parseYaml(readFileSync(ROOT + 'deploy/prometheus/rules.yml', 'utf8')) as {
    groups: { rules: Rule[] }[]
  }
  return doc.groups.flatMap((g) => g.rules)
}

export interface Variables {
  job: string
  instance?: string
  route?: string
  rateInterval?: string
  range?: string
}

/** Substitutes Grafana's variables the way it does for a single job and "All" elsewhere. */
export function substitute(expr: string, v: Variables): string {
  return expr
    .replaceAll('$__rate_interval', v.rateInterval ?? '1m')
    .replaceAll('$__range', v.range ?? '5m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$job', v.job)
    .replaceAll('$instance', v.instance ?? '.*')
    .replaceAll('$route', v.route ?? '.*')
}

export interface Parsed {
  /** Offsets of syntax errors; empty when the expression parses. */
  readonly errors: number[]
  /** Metric names selected (`foo{...}`, `foo[5m]`), recording rule names included. */
  readonly metrics: Set<string>
}

export function parsePromql(expr: string): Parsed {
  const errors: number[] = []
  const metrics = new Set<string>()
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from)
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier')
        if (id) metrics.add(expr.slice(id.from, id.to))
      }
    },
  })
  return { errors, metrics }
}
