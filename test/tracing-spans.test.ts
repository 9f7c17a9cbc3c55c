import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, startTracedGateway, type TracedGateway } from './helpers/tracing/in-memory.ts'
import { startUpstream, type Upstream } from './helpers/tracing/upstream.ts'

// docs/architecture.md, "Tracing": one SERVER span per request, one CLIENT span per upstream call,
// with the stable HTTP semantic conventions plus drive.error.code and drive.cache.status.

let upstream: Upstream
let gw: TracedGateway
const upstreamPort = () => Number(new URL(upstream.url).port)
const gatewayPort = () => Number(new URL(gw.url).port)

beforeAll(async () => {
  upstream = await startUpstream()
  gw = await startTracedGateway({
    UPSTREAM_URL: upstream.url,
    UPSTREAM_TIMEOUT_MS: '300',
    CACHE: 'off',
  })
})
afterAll(async () => {
  await gw?.close()
  await upstream?.close()
})

/** Sends one request and waits for its spans (they end once the response has finished). */
async function traced(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET'
): Promise<{ status: number; server: ReadableSpan; client: ReadableSpan | undefined }> {
  const before = gw.spans().length
  const res = await fetch(gw.url + path, {
    method,
    headers: { 'user-agent': 'span-test', ...headers },
  })
  await res.arrayBuffer()
  const server = await eventually(() =>
    gw
      .spans()
      .slice(before)
      .find((s) => s.kind === SpanKind.SERVER)
  )
  const client = gw
    .spans()
    .slice(before)
    .find((s) => s.kind === SpanKind.CLIENT)
  return { status: res.status, server, client }
}

function serverAttributes(route: string | undefined, status: number, extra: object = {}) {
  return {
    'http.request.method': 'GET',
    'url.scheme': 'http',
    ...(route && { 'http.route': route, 'url.path': route }),
    'server.address': '127.0.0.1',
    'server.port': gatewayPort(),
    'http.response.status_code': status,
    'drive.cache.status': 'none',
    ...extra,
  }
}

function expectChildOf(client: ReadableSpan | undefined, server: ReadableSpan): ReadableSpan {
  expect(client).toBeDefined()
  expect(client!.spanContext().traceId).toBe(server.spanContext().traceId)
  expect(client!.parentSpanContext?.spanId).toBe(server.spanContext().spanId)
  expect(server.parentSpanContext).toBeUndefined()
  return client!
}

describe('server and client spans', () => {
  it('a 200: named by method and route template, status unset, one client span', async () => {
    const before = gw.spans().length
    const { status, server, client } = await traced('/files/abc123')
    expect(status).toBe(200)
    expect(server.name).toBe('GET /files/{resourceKey}')
    expect(server.attributes).toEqual(serverAttributes('/files/{resourceKey}', 200))
    expect(server.status).toEqual({ code: SpanStatusCode.UNSET })
    const child = expectChildOf(client, server)
    expect(child.name).toBe('GET')
    expect(child.attributes).toEqual({
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': upstreamPort(),
      'http.response.status_code': 200,
    })
    expect(child.status).toEqual({ code: SpanStatusCode.UNSET })
    // Exactly one SERVER span: no automatic http instrumentation doubles it.
    expect(gw.spans().slice(before)).toHaveLength(2)
  })

  it('a 404 RESOURCE_NOT_FOUND: the server span is not an error, the client span is', async () => {
    const { status, server, client } = await traced('/files/gone', {
      'x-test-status': '404',
      'x-test-code': 'RESOURCE_NOT_FOUND',
    })
    expect(status).toBe(404)
    expect(server.attributes).toEqual(
      serverAttributes('/files/{resourceKey}', 404, { 'drive.error.code': 'RESOURCE_NOT_FOUND' })
    )
    expect(server.status).toEqual({ code: SpanStatusCode.UNSET })
    const child = expectChildOf(client, server)
    expect(child.attributes).toMatchObject({
      'http.response.status_code': 404,
      'error.type': '404',
    })
    expect(child.status.code).toBe(SpanStatusCode.ERROR)
  })

  it('a 598 from the Drive API sets ERROR on the server span', async () => {
    const { status, server, client } = await traced('/files/slow', {
      'x-test-status': '598',
      'x-test-code': 'LONG_RUNNING_TRANSACTION',
    })
    expect(status).toBe(598)
    expect(server.attributes).toEqual(
      serverAttributes('/files/{resourceKey}', 598, {
        'drive.error.code': 'LONG_RUNNING_TRANSACTION',
        'error.type': '598',
      })
    )
    expect(server.status).toEqual({ code: SpanStatusCode.ERROR })
    const child = expectChildOf(client, server)
    expect(child.attributes).toMatchObject({
      'http.response.status_code': 598,
      'error.type': '598',
    })
    expect(child.status.code).toBe(SpanStatusCode.ERROR)
  })

  it('a gateway 504 carries its catalog code on both spans', async () => {
    const { status, server, client } = await traced('/files/late', { 'x-test-delay-ms': '3000' })
    expect(status).toBe(504)
    expect(server.attributes).toEqual(
      serverAttributes('/files/{resourceKey}', 504, {
        'drive.error.code': 'UPSTREAM_TIMEOUT',
        'error.type': 'UPSTREAM_TIMEOUT',
      })
    )
    expect(server.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'The upstream sent no response headers in time',
    })
    const child = expectChildOf(client, server)
    expect(child.attributes).toEqual({
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': upstreamPort(),
      'error.type': 'UPSTREAM_TIMEOUT',
    })
    expect(child.status.code).toBe(SpanStatusCode.ERROR)
  })

  it('a body the upstream breaks after it started is an error on the server span', async () => {
    const before = gw.spans().length
    await fetch(gw.url + '/files/broken', { headers: { 'x-test-break': '1' } })
      .then((res) => res.arrayBuffer())
      .catch(() => undefined)
    const server = await eventually(() =>
      gw
        .spans()
        .slice(before)
        .find((s) => s.kind === SpanKind.SERVER)
    )
    expect(server.attributes).toMatchObject({
      'http.response.status_code': 200,
      'error.type': 'response_aborted',
    })
    expect(server.status.code).toBe(SpanStatusCode.ERROR)
    const client = gw
      .spans()
      .slice(before)
      .find((s) => s.kind === SpanKind.CLIENT)
    expect(client?.status).toEqual({ code: SpanStatusCode.UNSET })
  })

  it('a client that leaves is not an error: 499, and the cancelled call is not either', async () => {
    const before = gw.spans().length
    await fetch(gw.url + '/files/abandoned', {
      headers: { 'x-test-delay-ms': '2000' },
      signal: AbortSignal.timeout(100),
    }).catch(() => undefined)
    const server = await eventually(() =>
      gw
        .spans()
        .slice(before)
        .find((s) => s.kind === SpanKind.SERVER)
    )
    expect(server.attributes['http.response.status_code']).toBe(499)
    expect(server.attributes).not.toHaveProperty('error.type')
    expect(server.status).toEqual({ code: SpanStatusCode.UNSET })
    const client = gw
      .spans()
      .slice(before)
      .find((s) => s.kind === SpanKind.CLIENT)
    expect(client?.attributes).not.toHaveProperty('error.type')
    expect(client?.status).toEqual({ code: SpanStatusCode.UNSET })
  })

  it('an unmatched route is named by the method alone and records no raw path', async () => {
    const { server } = await traced('/no/such/route/owner-42')
    expect(server.name).toBe('GET')
    expect(server.attributes).toEqual(serverAttributes(undefined, 200))
  })

  it('a method outside the known set is _OTHER, and the span is named HTTP', async () => {
    const { server, client } = await traced('/files/abc', {}, 'PROPFIND')
    expect(server.name).toBe('HTTP')
    expect(server.attributes).toMatchObject({
      'http.request.method': '_OTHER',
      'http.request.method_original': 'PROPFIND',
    })
    expect(client?.name).toBe('HTTP')
  })

  it('the span lasts what the duration histogram records', async () => {
    const { server } = await traced('/files/timed', { 'x-test-delay-ms': '50' })
    const seconds = server.duration[0] + server.duration[1] / 1e9
    expect(seconds).toBeGreaterThanOrEqual(0.05)
  })

  it('no credential, query value, resource key or user agent reaches an attribute', async () => {
    const { server, client } = await traced('/files/owner-secret-key?consumerKey=ck-secret&x=1', {
      authorization: 'Bearer token-secret',
      consumerkey: 'ck-header-secret',
      'user-agent': 'agent-secret',
    })
    const text = JSON.stringify([server.attributes, client?.attributes])
    for (const secret of ['secret', 'consumerKey', 'Bearer']) expect(text).not.toContain(secret)
  })

  it('the access log line carries the server span ids', async () => {
    const { server } = await traced('/files/logged', { 'x-request-id': 'log-span-ids' })
    const line = await eventually(() => gw.logs.find((l) => l.request_id === 'log-span-ids'))
    expect(line).toMatchObject({
      trace_id: server.spanContext().traceId,
      span_id: server.spanContext().spanId,
    })
  })
})

describe('LOG_PATHS=full', () => {
  it('records the raw path, never the query', async () => {
    const full = await startTracedGateway({
      UPSTREAM_URL: upstream.url + '/base',
      CACHE: 'off',
      LOG_PATHS: 'full',
    })
    try {
      await (await fetch(full.url + '/files/abc123?consumerKey=ck-secret')).arrayBuffer()
      const server = await eventually(() => full.spans().find((s) => s.kind === SpanKind.SERVER))
      const client = full.spans().find((s) => s.kind === SpanKind.CLIENT)
      expect(server.attributes['url.path']).toBe('/files/abc123')
      expect(server.attributes['http.route']).toBe('/files/{resourceKey}')
      expect(client?.attributes['url.full']).toBe(`${upstream.url}/base/files/abc123`)
    } finally {
      await full.close()
    }
  })
})
