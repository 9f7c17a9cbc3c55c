import { SpanKind } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, startTracedGateway, type TracedGateway } from './helpers/tracing/in-memory.ts'
import { startUpstream, type Upstream } from './helpers/tracing/upstream.ts'

// docs/architecture.md, "Tracing": a cache hit makes no upstream call, so it has a SERVER span and
// no CLIENT span.

describe('tracing a cached lookup', () => {
  let upstream: Upstream
  let gw: TracedGateway
  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' })
      res.end('{"resourceKey":"cached"}')
      return true
    })
    gw = await startTracedGateway({ UPSTREAM_URL: upstream.url, CACHE: 'on' })
  })
  afterAll(async () => {
    await gw?.close()
    await upstream?.close()
  })

  async function lookup() {
    const before = gw.spans().length
    const res = await fetch(`${gw.url}/files/cached`, {
      headers: { authorization: 'Bearer tracing-cache-test' },
    })
    await res.arrayBuffer()
    const server = await eventually(() =>
      gw
        .spans()
        .slice(before)
        .find((s) => s.kind === SpanKind.SERVER)
    )
    const trace = server.spanContext().traceId
    const clients = gw
      .spans()
      .filter((s) => s.kind === SpanKind.CLIENT && s.spanContext().traceId === trace)
    return { cacheStatus: res.headers.get('x-cache-status'), server, clients }
  }

  it('a miss has a client span; the hit after it has none', async () => {
    const miss = await lookup()
    expect(miss.cacheStatus).toBe('MISS')
    expect(miss.server.attributes['drive.cache.status']).toBe('miss')
    expect(miss.clients).toHaveLength(1)

    const hit = await lookup()
    expect(hit.cacheStatus).toBe('HIT')
    expect(hit.server.name).toBe('GET /files/{resourceKey}')
    expect(hit.server.attributes).toMatchObject({
      'http.response.status_code': 200,
      'drive.cache.status': 'hit',
    })
    expect(hit.clients).toEqual([])
    expect(upstream.seen).toHaveLength(1)
  })
})
