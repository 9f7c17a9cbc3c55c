import { spawnSync } from 'node:child_process'
import { SpanKind } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMetricsRegistry, prefersOpenMetrics } from '../src/metrics/registry.ts'
import { startPrometheus } from './helpers/ops/prometheus-server.ts'
import { exemplarLines } from './helpers/tracing/exemplars.ts'
import { eventually, startTracedGateway, type TracedGateway } from './helpers/tracing/in-memory.ts'
import { startUpstream, type Upstream } from './helpers/tracing/upstream.ts'

// docs/architecture.md, "Metrics": plain text by default, OpenMetrics with trace_id exemplars when
// the scraper asks; the text format passes `promtool check metrics`.

const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,' +
  'text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

// prom-client default gauges named `_total`; promtool's lint rejects the suffix on a non-counter.
// Kept: docs/architecture.md, "Metrics", keeps the default process metrics, and dashboards use
// prom-client's names.
const REJECTED_DEFAULTS = [
  'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
]

function promtool(text: string): { status: number | null; problems: string[] } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (run.error) throw run.error
  const problems = `${run.stdout}${run.stderr}`.split('\n').filter(Boolean)
  return { status: run.status, problems }
}

describe('Accept negotiation', () => {
  it.each([
    [PROMETHEUS_ACCEPT, true],
    ['application/openmetrics-text', true],
    ['text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.8', false],
    ['application/openmetrics-text;q=0', false],
    ['text/plain', false],
    ['*/*', false],
    ['', false],
    [undefined, false],
  ])('%s → OpenMetrics: %s', (accept, expected) => {
    expect(prefersOpenMetrics(accept)).toBe(expected)
  })
})

describe('/metrics of a tracing gateway', () => {
  let upstream: Upstream
  let gw: TracedGateway
  beforeAll(async () => {
    upstream = await startUpstream()
    gw = await startTracedGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' })
    const requests: Record<string, string>[] = [
      {},
      { 'x-test-status': '404', 'x-test-code': 'RESOURCE_NOT_FOUND' },
      { 'x-test-status': '598', 'x-test-code': 'LONG_RUNNING_TRANSACTION' },
    ]
    for (const headers of requests) {
      await (await fetch(`${gw.url}/files/abc`, { headers })).arrayBuffer()
    }
    await eventually(
      () => (gw.spans().length === 6 ? true : undefined),
      5_000,
      () => gw.spans().map((s) => s.name)
    )
  })
  afterAll(async () => {
    await gw?.close()
    await upstream?.close()
  })

  it('serves OpenMetrics with exemplars pointing at the exported server spans', async () => {
    const { contentType, body } = await gw.scrape(PROMETHEUS_ACCEPT)
    expect(contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8')
    expect(body.endsWith('\n# EOF\n')).toBe(true)
    expect(body).toContain('# TYPE drive_gateway_responses counter\n')
    expect(body).not.toContain('\n\n')
    const servers = gw.spans().filter((s) => s.kind === SpanKind.SERVER)
    const lines = exemplarLines(body)
    // One counter series per status, each with the latest request's ids; buckets likewise.
    expect(lines.filter((l) => l.sample === 'drive_gateway_responses_total')).toHaveLength(3)
    expect(
      lines.filter((l) => l.sample === 'http_server_request_duration_seconds_bucket')
    ).toHaveLength(3)
    for (const line of lines) {
      expect(Object.keys(line.exemplar)).toEqual(['trace_id', 'span_id'])
      const span = servers.find((s) => s.spanContext().traceId === line.exemplar.trace_id)
      expect(span?.spanContext().spanId).toBe(line.exemplar.span_id)
      const status = line.labels.match(/http_response_status_code="(\d+)"/)![1]
      expect(span?.attributes['http.response.status_code']).toBe(Number(status))
    }
  })

  it('serves plain text by default, unchanged after an OpenMetrics scrape', async () => {
    await gw.scrape(PROMETHEUS_ACCEPT)
    const { contentType, body } = await gw.scrape()
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8')
    // An OpenMetrics registry would have renamed the counter in place (`_total` dropped).
    expect(body).toContain('# TYPE drive_gateway_responses_total counter\n')
    expect(body).toMatch(
      /^drive_gateway_responses_total\{.*http_response_status_code="598".*\} 1$/m
    )
    expect(body).not.toContain('# {')
    expect(body).not.toContain('# EOF')
  })

  it('a real Prometheus scrapes the exemplars and keeps the exported trace ids', async () => {
    const prometheus = await startPrometheus({
      job: 'tracing-exemplars',
      targets: [new URL(gw.adminUrl).host],
      ruleFiles: [],
    })
    try {
      await prometheus.waitForScrapes(1)
      const end = Date.now() / 1000 + 60
      const query = encodeURIComponent('drive_gateway_responses_total')
      const res = await fetch(
        `${prometheus.url}/api/v1/query_exemplars?query=${query}&start=${end - 3600}&end=${end}`
      )
      const { data } = (await res.json()) as {
        data: {
          seriesLabels: Record<string, string>
          exemplars: { labels: Record<string, string> }[]
        }[]
      }
      const stored = data.flatMap((series) => series.exemplars.map((e) => e.labels.trace_id))
      const exported = gw.spans().map((s) => s.spanContext().traceId)
      expect(stored).toHaveLength(3)
      for (const traceId of stored) expect(exported).toContain(traceId)
    } finally {
      await prometheus.close()
    }
  })

  it('passes promtool check metrics, but for the known default gauges', async () => {
    const { body } = await gw.scrape()
    const { status, problems } = promtool(body)
    expect(problems.sort()).toEqual(REJECTED_DEFAULTS)
    expect(status).toBe(3)
  })
})

it('the gateway’s own metrics pass promtool with no exception', async () => {
  const { metrics, render } = createMetricsRegistry({ defaultMetrics: false })
  const exemplarLabels = { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) }
  metrics.responses.inc(
    {
      http_request_method: 'GET',
      http_route: '/files/{resourceKey}',
      http_response_status_code: '200',
      drive_error_code: '',
      drive_cache_status: 'hit',
    },
    exemplarLabels
  )
  await render(PROMETHEUS_ACCEPT)
  expect(promtool((await render(undefined)).body)).toEqual({ status: 0, problems: [] })
})
