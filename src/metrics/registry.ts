import {
  collectDefaultMetrics,
  openMetricsContentType,
  prometheusContentType,
  Registry,
} from 'prom-client'
import pkg from '../../package.json' with { type: 'json' }
import { defineMetrics, type GatewayMetrics } from './definitions.ts'

export interface MetricsRegistry {
  /** A text-format (0.0.4) registry: `registry.metrics()` is the plain-text exposition. */
  readonly registry: Registry
  readonly metrics: GatewayMetrics
  /**
   * The exposition for a scrape: OpenMetrics 1.0.0 with `trace_id` exemplars when the scraper's
   * `Accept` prefers `application/openmetrics-text` (Prometheus does), else plain text 0.0.4.
   */
  render(accept: string | undefined): Promise<{ body: string; contentType: string }>
}

/**
 * A fresh registry per gateway (tests start many), holding the gateway's metrics and prom-client's
 * default process metrics. Never prom-client's global registry.
 */
export function createMetricsRegistry({ defaultMetrics = true } = {}): MetricsRegistry {
  const registry = new Registry()
  if (defaultMetrics) collectDefaultMetrics({ register: registry })
  const metrics = defineMetrics(registry)
  metrics.buildInfo.set({ version: pkg.version, node_version: process.version }, 1)
  return {
    registry,
    metrics,
    async render(accept) {
      if (prefersOpenMetrics(accept)) {
        return { body: await renderOpenMetrics(registry), contentType: openMetricsContentType }
      }
      return { body: await registry.metrics(), contentType: prometheusContentType }
    },
  }
}

/**
 * Content negotiation for `/metrics` (RFC 9110 §12.5.1): OpenMetrics when the scraper accepts it
 * with a weight at least that of `text/plain` (Prometheus sends
 * `application/openmetrics-text;version=1.0.0,…,text/plain;version=0.0.4;q=0.5,*∕*;q=0.1`).
 * No header, `*∕*` or `text/plain` alone keep the plain text that `curl` and older scrapers
 * expect.
 */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false
  let openMetrics = 0
  let text = 0
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase())
    const qParam = params.find((p) => p.startsWith('q='))
    const q = qParam === undefined ? 1 : Number(qParam.slice(2))
    if (!Number.isFinite(q)) continue
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, q)
    else if (type === 'text/plain') text = Math.max(text, q)
  }
  return openMetrics > 0 && openMetrics >= text
}

// prom-client's own OpenMetrics output cannot be used: its registry renames counters in place
// (`_total` stripped from `metric.name`), which would break every later text scrape of the same
// metrics (docs/architecture.md, "Metrics"). This renderer reads the same metric objects and
// changes nothing.

function escapeHelp(text: string): string {
  // OpenMetrics escapes backslash, newline and double quote in HELP and label values alike.
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function formatLabels(labels: Record<string, unknown>): string {
  const parts: string[] = []
  for (const [name, value] of Object.entries(labels)) {
    if (value === undefined) continue
    parts.push(`${name}="${escapeHelp(String(value))}"`)
  }
  return parts.length > 0 ? `{${parts.join(',')}}` : ''
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

// What `metric.get()` returns at run time (prom-client's typings call `type` an enum).
type Exemplar = { labelSet: Record<string, string>; value: number; timestamp?: number }
type Sample = {
  value: number
  labels: Record<string, unknown>
  metricName?: string
  exemplar?: Exemplar | null
}
type Family = { name: string; help: string; type: string; values: Sample[] }

function renderFamily(family: Family): string[] {
  // OpenMetrics names a counter family without `_total` and its sample with it.
  const isCounter = family.type === 'counter'
  const name = isCounter ? family.name.replace(/_total$/, '') : family.name
  const lines = [`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`]
  for (const sample of family.values) {
    const sampleName = isCounter ? `${name}_total` : (sample.metricName ?? name)
    let line = `${sampleName}${formatLabels(sample.labels)} ${formatNumber(sample.value)}`
    const exemplar = sample.exemplar
    if (exemplar && Object.keys(exemplar.labelSet).length > 0) {
      line += ` # ${formatLabels(exemplar.labelSet)} ${formatNumber(exemplar.value)}`
      if (exemplar.timestamp !== undefined) line += ` ${exemplar.timestamp}`
    }
    lines.push(line)
  }
  return lines
}

/** The registry's metrics as OpenMetrics 1.0.0 text, exemplars included, ending in `# EOF`. */
async function renderOpenMetrics(registry: Registry): Promise<string> {
  const families = await Promise.all(
    registry
      .getMetricsAsArray()
      .map((metric) => (metric as unknown as { get(): Promise<Family> }).get())
  )
  const lines = families.flatMap((family) => renderFamily(family))
  return `${lines.join('\n')}\n# EOF\n`
}
