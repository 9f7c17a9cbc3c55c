import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pkg from '../package.json' with { type: 'json' }
import { exemplarLines } from './helpers/tracing/exemplars.ts'
import type { OtlpSpan } from './helpers/tracing/otlp-decode.ts'
import { startOtlpReceiver, type OtlpReceiver } from './helpers/tracing/otlp-receiver.ts'
import { runGatewayToExit, spawnGateway, type GatewayProcess } from './helpers/gateway.ts'
import { headerValues, startUpstream, type Upstream } from './helpers/tracing/upstream.ts'
import { fetchStatus } from './helpers/origin.ts'

// Over the wire (issue 4): the real gateway process, started as `npm start` starts it, exports
// its spans over OTLP/HTTP protobuf to a receiver in this test.

const SERVER = 2
const CLIENT = 3
const ERROR = 2
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const PARENT_ID = 'b7ad6b7169203331'

let upstream: Upstream
let receiver: OtlpReceiver

beforeAll(async () => {
  upstream = await startUpstream()
  receiver = await startOtlpReceiver()
})
afterAll(async () => {
  await upstream?.close()
  await receiver?.close()
})

describe('an exporting gateway process', () => {
  let gw: GatewayProcess
  let scrape: string
  let spans: OtlpSpan[]
  let exitCode: number | null

  beforeAll(async () => {
    gw = await spawnGateway({
      UPSTREAM_URL: upstream.url,
      CACHE: 'off',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // Nothing is exported before shutdown, so the spans arriving prove the flush on SIGTERM.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    })
    expect(
      await fetchStatus(`${gw.url}/files/abc`, { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` })
    ).toBe(200)
    expect(await fetchStatus(`${gw.url}/files/abc`, { 'x-test-status': '598', 'x-test-code': 'LONG_RUNNING_TRANSACTION' })).toBe(598) // prettier-ignore
    const res = await fetch(`${gw.adminUrl}/metrics`, {
      headers: {
        accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5',
      },
    })
    scrape = await res.text()
    expect(receiver.spans).toHaveLength(0)
    exitCode = await gw.stop('SIGTERM')
    spans = receiver.spans
  })
  afterAll(() => gw?.stop('SIGKILL'))

  it('exits cleanly and exports every span on shutdown', () => {
    expect(exitCode).toBe(0)
    expect(spans.filter((s) => s.kind === SERVER)).toHaveLength(2)
    expect(spans.filter((s) => s.kind === CLIENT)).toHaveLength(2)
  })

  it('continues the caller’s trace, with the client span under the server span', () => {
    const server = spans.find((s) => s.kind === SERVER && s.traceId === TRACE_ID)!
    expect(server).toMatchObject({ name: 'GET /files/{resourceKey}', parentSpanId: PARENT_ID })
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/files/{resourceKey}',
      'url.path': '/files/{resourceKey}',
      'url.scheme': 'http',
      'http.response.status_code': 200,
      'drive.cache.status': 'none',
    })
    const client = spans.find((s) => s.kind === CLIENT && s.traceId === TRACE_ID)!
    expect(client).toMatchObject({ name: 'GET', parentSpanId: server.spanId })
    const sent = headerValues(upstream.seen[0]!.rawHeaders, 'traceparent')
    expect(sent).toEqual([`00-${TRACE_ID}-${client.spanId}-01`])
  })

  it('marks the 598 as an error with its Drive code', () => {
    const server = spans.find((s) => s.kind === SERVER && s.traceId !== TRACE_ID)!
    expect(server.statusCode).toBe(ERROR)
    expect(server.attributes).toMatchObject({
      'http.response.status_code': 598,
      'error.type': '598',
      'drive.error.code': 'LONG_RUNNING_TRANSACTION',
    })
  })

  it('names the service, its version and host in the resource', () => {
    for (const span of spans) {
      expect(span.resource).toMatchObject({
        'service.name': 'drive-gateway',
        'service.version': pkg.version,
      })
      expect(span.resource['host.name']).toEqual(expect.any(String))
      expect(span.scope).toEqual({ name: 'drive-gateway', version: pkg.version })
    }
  })

  it('exports nothing but traces', () => {
    expect(receiver.requests.every((r) => r.startsWith('POST /v1/traces '))).toBe(true)
  })

  it('serves OpenMetrics exemplars whose trace ids were exported', () => {
    const servers = spans.filter((s) => s.kind === SERVER)
    const lines = exemplarLines(scrape)
    const counters = lines.filter((l) => l.sample === 'drive_gateway_responses_total')
    const buckets = lines.filter((l) => l.sample === 'http_server_request_duration_seconds_bucket')
    expect(counters).toHaveLength(2)
    expect(buckets.length).toBeGreaterThanOrEqual(1)
    for (const line of [...counters, ...buckets]) {
      const span = servers.find((s) => s.traceId === line.exemplar.trace_id)
      expect(span, line.labels).toBeDefined()
      expect(line.exemplar.span_id).toBe(span!.spanId)
    }
    const ok = counters.find((l) => l.labels.includes('http_response_status_code="200"'))
    expect(ok?.exemplar.trace_id).toBe(TRACE_ID)
  })
})

describe('tracing switched off', () => {
  function sendWithTraceparent(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers = { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, 'x-request-id': 'off-1' }
      request(`${url}/files/abc`, { headers }, (res) => res.resume().once('end', resolve))
        .once('error', reject)
        .end()
    })
  }

  it.each([
    ['OTEL_SDK_DISABLED=true', { OTEL_SDK_DISABLED: 'true' }],
    ['OTEL_TRACES_EXPORTER=none', { OTEL_TRACES_EXPORTER: 'none' }],
  ])('%s: no spans, trace headers untouched', async (_name, env) => {
    const before = receiver.requests.length
    upstream.seen.length = 0
    const gw = await spawnGateway({
      UPSTREAM_URL: upstream.url,
      CACHE: 'off',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      ...env,
    })
    try {
      await sendWithTraceparent(gw.url)
      expect(await gw.stop('SIGTERM')).toBe(0)
    } finally {
      await gw.stop('SIGKILL')
    }
    expect(receiver.requests.length).toBe(before)
    const sent = headerValues(upstream.seen[0]!.rawHeaders, 'traceparent')
    expect(sent).toEqual([`00-${TRACE_ID}-${PARENT_ID}-01`])
    const log = gw.stdout.map((l) => JSON.parse(l)).find((l) => l.request_id === 'off-1')
    expect(log?.trace_id).toBe(TRACE_ID)
  })

  it('a bad OTEL_TRACES_EXPORTER stops start-up with one line', async () => {
    const { code, stderr } = await runGatewayToExit({
      UPSTREAM_URL: upstream.url,
      OTEL_TRACES_EXPORTER: 'jaeger',
    })
    expect(code).toBe(2)
    expect(stderr).toBe(
      'drive-gateway: OTEL_TRACES_EXPORTER="jaeger": expected otlp, console, zipkin, or none alone\n'
    )
  })
})
