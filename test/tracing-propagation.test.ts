import { request } from 'node:http'
import { SpanKind } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, startTracedGateway, type TracedGateway } from './helpers/tracing/in-memory.ts'
import { headerValues, startUpstream, type Upstream } from './helpers/tracing/upstream.ts'

// W3C Trace Context from the client, propagated upstream (docs/architecture.md, "Tracing"); baggage
// passes through.

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT_ID = '00f067aa0ba902b7'
const TRACESTATE = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'
const BAGGAGE = 'userId=alice;ttl=10, tenant=acme%20corp'

let upstream: Upstream

beforeAll(async () => {
  upstream = await startUpstream()
})
afterAll(() => upstream?.close())

/** A plain node:http request: lets a test send a header twice, as a client may. */
function send(url: string, rawHeaders: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    // Raw header lists get no automatic Host.
    const headers = ['host', new URL(url).host, ...rawHeaders] as unknown as Record<string, string>
    const req = request(url, { headers }, (res) => {
      res.resume()
      res.once('end', () => resolve(res.statusCode!))
    })
    req.once('error', reject)
    req.end()
  })
}

function lastSeen(requestId: string) {
  const seen = upstream.seen.find(
    (r) => headerValues(r.rawHeaders, 'x-request-id')[0] === requestId
  )
  expect(seen).toBeDefined()
  return seen!
}

describe('with spans', () => {
  let gw: TracedGateway
  beforeAll(async () => {
    gw = await startTracedGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' })
  })
  afterAll(() => gw?.close())

  it('continues the caller’s trace, and the upstream gets a traceparent in that trace', async () => {
    await send(gw.url + '/files/abc', [
      'traceparent', `00-${TRACE_ID}-${PARENT_ID}-01`,
      'tracestate', TRACESTATE,
      'baggage', BAGGAGE,
      'x-request-id', 'continuity',
    ]) // prettier-ignore
    const server = await eventually(() => gw.spans().find((s) => s.kind === SpanKind.SERVER))
    const client = gw.spans().find((s) => s.kind === SpanKind.CLIENT)!
    expect(server.spanContext().traceId).toBe(TRACE_ID)
    expect(server.parentSpanContext).toMatchObject({ spanId: PARENT_ID, isRemote: true })
    expect(client.spanContext().traceId).toBe(TRACE_ID)

    const seen = lastSeen('continuity').rawHeaders
    expect(headerValues(seen, 'traceparent')).toEqual([
      `00-${TRACE_ID}-${client.spanContext().spanId}-01`,
    ])
    expect(headerValues(seen, 'tracestate')).toEqual([TRACESTATE])
    // Baggage is the caller's: passed on byte for byte, once.
    expect(headerValues(seen, 'baggage')).toEqual([BAGGAGE])
  })

  it('sends exactly one traceparent upstream when the client sent several', async () => {
    const before = gw.spans().length
    await send(gw.url + '/files/abc', [
      'traceparent', `00-${TRACE_ID}-${PARENT_ID}-01`,
      'traceparent', `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`,
      'x-request-id', 'duplicates',
    ]) // prettier-ignore
    const client = await eventually(() =>
      gw
        .spans()
        .slice(before)
        .find((s) => s.kind === SpanKind.CLIENT)
    )
    const sent = headerValues(lastSeen('duplicates').rawHeaders, 'traceparent')
    expect(sent).toHaveLength(1)
    expect(sent[0]).toBe(`00-${client.spanContext().traceId}-${client.spanContext().spanId}-01`)
  })

  it('an unsampled caller: no span exported, its trace and flag still propagated', async () => {
    const before = gw.spans().length
    await send(gw.url + '/files/abc', [
      'traceparent', `00-${TRACE_ID}-${PARENT_ID}-00`,
      'x-request-id', 'unsampled',
    ]) // prettier-ignore
    const line = await eventually(() => gw.logs.find((l) => l.request_id === 'unsampled'))
    expect(line.trace_id).toBe(TRACE_ID)
    expect(gw.spans().length).toBe(before)
    const [sent] = headerValues(lastSeen('unsampled').rawHeaders, 'traceparent')
    expect(sent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`))
    expect(sent).not.toContain(PARENT_ID)
  })
})

describe('without an exporter', () => {
  let gw: TracedGateway
  beforeAll(async () => {
    gw = await startTracedGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' }, { tracing: false })
  })
  afterAll(() => gw?.close())

  it('makes no spans and passes the trace headers upstream untouched', async () => {
    await send(gw.url + '/files/abc', [
      'traceparent', `00-${TRACE_ID}-${PARENT_ID}-01`,
      'tracestate', TRACESTATE,
      'baggage', BAGGAGE,
      'x-request-id', 'passthrough',
    ]) // prettier-ignore
    const seen = lastSeen('passthrough').rawHeaders
    expect(headerValues(seen, 'traceparent')).toEqual([`00-${TRACE_ID}-${PARENT_ID}-01`])
    expect(headerValues(seen, 'tracestate')).toEqual([TRACESTATE])
    expect(headerValues(seen, 'baggage')).toEqual([BAGGAGE])
    expect(gw.spans()).toEqual([])
  })

  it('logs the caller’s trace id, and no span id of its own', async () => {
    await send(gw.url + '/files/abc', [
      'traceparent', `00-${TRACE_ID}-${PARENT_ID}-01`,
      'x-request-id', 'passthrough-log',
    ]) // prettier-ignore
    const line = await eventually(() => gw.logs.find((l) => l.request_id === 'passthrough-log'))
    expect(line.trace_id).toBe(TRACE_ID)
    expect(line).not.toHaveProperty('span_id')
  })

  it('logs no trace id for an invalid traceparent', async () => {
    await send(gw.url + '/files/abc', [
      'traceparent', `00-${'0'.repeat(32)}-${PARENT_ID}-01`,
      'x-request-id', 'passthrough-invalid',
    ]) // prettier-ignore
    const line = await eventually(() => gw.logs.find((l) => l.request_id === 'passthrough-invalid'))
    expect(line).not.toHaveProperty('trace_id')
  })

  it('serves no exemplars', async () => {
    const { body } = await gw.scrape('application/openmetrics-text;version=1.0.0')
    expect(body).toContain('drive_gateway_responses_total{')
    expect(body).not.toContain('# {')
  })
})
