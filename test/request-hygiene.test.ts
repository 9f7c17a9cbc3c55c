import { request } from 'node:http'
import { connect } from 'node:net'

import { setTimeout as sleep } from 'node:timers/promises'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startSimulator, type Simulator } from '../src/simulator/index.ts'

import { startTestGateway, type TestGateway } from './helpers/gateway.ts'

import { rawRequest, startOrigin } from './helpers/origin.ts'
import { sampleValue } from './helpers/metrics-text.ts'

let sim: Simulator
let gw: TestGateway

beforeAll(async () => {
  sim = await startSimulator({ basePath: '/v2' })
  gw = await startTestGateway({ UPSTREAM_URL: sim.url, CACHE: 'off', MAX_REQUEST_BYTES: '1000' })
})

afterAll(async () => {
  await gw?.close()
  await sim?.close()
})

type Echo = { method: string; url: string; headers: [string, string][]; bodyBytes: number }

async function echo(
  path: string,
  headers: string[],
  init: { method?: string; body?: string } = {}
) {
  const res = await rawRequest(gw.url + path, { ...init, headers: [...headers, 'x-sim-echo', '1'] })
  expect(res.status).toBeLessThan(300)
  return { res, seen: JSON.parse(res.body.toString()) as Echo }
}

const names = (seen: Echo) => seen.headers.map(([n]) => n.toLowerCase())
const value = (seen: Echo, name: string) =>
  seen.headers.find(([n]) => n.toLowerCase() === name)?.[1]

describe('request headers sent upstream', () => {
  it('drops hop-by-hop fields and those named in Connection, keeps end-to-end ones in order', async () => {
    const { seen } = await echo('/files/abc', [
      'Connection',
      'keep-alive, X-Secret-Hop',
      'X-Secret-Hop',
      'drop me',
      'Keep-Alive',
      'timeout=5',
      'TE',
      'trailers',
      'Proxy-Authorization',
      'Basic abc',
      'Upgrade',
      'websocket',
      'X-App',
      'one',
      'Authorization',
      'Bearer t',
      'X-App',
      'two',
    ])
    const sent = names(seen)
    for (const hop of ['x-secret-hop', 'keep-alive', 'te', 'proxy-authorization', 'upgrade']) {
      expect(sent).not.toContain(hop)
    }
    expect(seen.headers.filter(([n]) => n === 'X-App').map(([, v]) => v)).toEqual(['one', 'two'])
    expect(value(seen, 'authorization')).toBe('Bearer t')
    expect(seen.url).toBe('/v2/files/abc')
  })

  it('adds X-Forwarded-For/-Proto/-Host, appending to a client X-Forwarded-For', async () => {
    const { seen } = await echo('/files/abc?x=1', ['X-Forwarded-For', '203.0.113.9'])
    expect(value(seen, 'x-forwarded-for')).toBe('203.0.113.9, 127.0.0.1')
    expect(value(seen, 'x-forwarded-proto')).toBe('http')
    expect(value(seen, 'x-forwarded-host')).toBe(new URL(gw.url).host)
    expect(value(seen, 'host')).toBe(new URL(sim.url).host)
    expect(seen.url).toBe('/v2/files/abc?x=1')
  })

  it('a client cannot strip the forwarding headers by naming them in Connection', async () => {
    const { seen } = await echo('/files/abc', ['Connection', 'X-Forwarded-For, X-Request-Id'])
    expect(value(seen, 'x-forwarded-for')).toBe('127.0.0.1')
    expect(value(seen, 'x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('keeps a well-formed X-Request-Id, replaces a bad one, and returns it to the client', async () => {
    const kept = await echo('/files/abc', ['X-Request-Id', 'abc.DEF-123_x'])
    expect(value(kept.seen, 'x-request-id')).toBe('abc.DEF-123_x')
    expect(kept.res.rawHeaders).toContain('abc.DEF-123_x')
    const replaced = await echo('/files/abc', ['X-Request-Id', 'bad id with spaces'])
    const id = value(replaced.seen, 'x-request-id')!
    expect(id).not.toBe('bad id with spaces')
    expect(replaced.res.rawHeaders).toContain(id)
    expect(gw.logs.some((l) => l.request_id === id && l.msg === 'request')).toBe(true)
  })

  it('never logs credentials or the raw path by default', async () => {
    await echo('/files/SECRETKEY123', [
      'Authorization',
      'Bearer TOKEN-SHOULD-NOT-LEAK',
      'consumerKey',
      'CK-NOT-LEAK',
    ])
    const text = JSON.stringify(gw.logs)
    expect(text).not.toContain('TOKEN-SHOULD-NOT-LEAK')
    expect(text).not.toContain('CK-NOT-LEAK')
    expect(text).not.toContain('SECRETKEY123')
    expect(text).toContain('/files/{resourceKey}')
  })
})

describe('requests the gateway refuses itself', () => {
  it('a body over MAX_REQUEST_BYTES → 413 REQUEST_TOO_LARGE without reaching the upstream', async () => {
    const before = sim.countRequests()
    const res = await rawRequest(`${gw.url}/files/abc/copy`, {
      method: 'POST',
      body: 'x'.repeat(1001),
    })
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body.toString()).code).toBe('REQUEST_TOO_LARGE')
    expect(sim.countRequests() - before).toBe(0)
  })

  it('a chunked body that grows past MAX_REQUEST_BYTES → 413', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${gw.url}/files/abc/copy`, { method: 'POST', agent: false }, (r) => {
        let body = ''
        r.setEncoding('utf8')
          .on('data', (d) => (body += d))
          .on('end', () => resolve({ status: r.statusCode!, body }))
      })
      req.on('error', reject)
      // No content-length: node sends it chunked.
      for (let i = 0; i < 20; i++) req.write('y'.repeat(100))
      req.end()
    })
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body).code).toBe('REQUEST_TOO_LARGE')
  })

  it('paths with .. segments, encoded or not → 400 INVALID_PATH, never proxied', async () => {
    const before = sim.countRequests()
    for (const path of [
      '/files/../admin',
      '/files/%2e%2e/admin',
      '/files/%2E%2E%2Fadmin',
      '/files/%252e%252e/x',
    ]) {
      const res = await rawRequest(gw.url + path)
      expect(res.status, path).toBe(400)
      expect(JSON.parse(res.body.toString()).code).toBe('INVALID_PATH')
    }
    expect(sim.countRequests() - before).toBe(0)
    const exposition = await gw.scrape()
    expect(
      sampleValue(exposition, 'drive_gateway_responses_total', {
        http_route: 'unmatched',
        drive_error_code: 'INVALID_PATH',
      })
    ).toBe(4)
  })

  it('an absolute-form target → 400 INVALID_PATH', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(gw.url)
      const req = request(
        { host: '127.0.0.1', port, path: 'http://evil.example/files/abc', agent: false },
        (r) => {
          r.resume()
          resolve(r.statusCode!)
        }
      )
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(400)
  })
})

describe('methods and bodies', () => {
  it('HEAD is forwarded as HEAD and answers without a body', async () => {
    const res = await rawRequest(`${gw.url}/files/abc`, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.body.length).toBe(0)
    expect(sim.requests.at(-1)!.method).toBe('HEAD')
  })

  it('unknown paths are proxied and labelled unmatched, raw paths never reach /metrics', async () => {
    const res = await rawRequest(`${gw.url}/no/such/RAWKEY-xyz`)
    expect(res.status).toBe(404)
    const exposition = await gw.scrape()
    expect(
      sampleValue(exposition, 'drive_gateway_responses_total', {
        http_route: 'unmatched',
        http_response_status_code: '404',
      })
    ).toBeGreaterThan(0)
    expect(exposition).not.toContain('RAWKEY-xyz')
    expect(exposition).not.toContain('SECRETKEY123')
  })

  it('a client that leaves before the response is labelled 499 and cancels the upstream call', async () => {
    let upstreamClosedEarly!: () => void
    const cancelled = new Promise<void>((resolve) => (upstreamClosedEarly = resolve))
    const origin = await startOrigin((_req, res) => {
      res.on('close', () => {
        if (!res.writableFinished) upstreamClosedEarly()
      })
      setTimeout(() => res.end('late'), 5_000).unref()
    })
    const gateway = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE: 'off' })
    try {
      const req = request(`${gateway.url}/files/abc`, { agent: false })
      req.on('error', () => {})
      req.end()
      await sleep(150)
      req.destroy()
      await cancelled
      let count = 0
      for (let i = 0; i < 40 && count === 0; i++) {
        await sleep(25)
        count = sampleValue(await gateway.scrape(), 'drive_gateway_responses_total', {
          http_response_status_code: '499',
        })
      }
      expect(count).toBe(1)
    } finally {
      await gateway.close()
      await origin.close()
    }
  })
})

describe('a client that leaves in the middle of its upload', () => {
  it.each(['end', 'destroy'] as const)(
    'closing with %s: one 499, not also a refused bad_request',
    async (close) => {
      const origin = await startOrigin((req, res) => {
        req.resume()
        req.on('end', () => res.end('late'))
      })
      const gateway = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE: 'off' })
      try {
        const { hostname, port } = new URL(gateway.url)
        const socket = connect(Number(port), hostname, () => {
          socket.write('POST /files HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n')
          socket.write('x'.repeat(100))
          setTimeout(() => (close === 'end' ? socket.end() : socket.destroy()), 100)
        })
        socket.on('error', () => {})
        const count = async (name: string, labels: Record<string, string>) =>
          sampleValue(await gateway.scrape(), name, labels) ?? 0
        await expect
          .poll(() => count('drive_gateway_responses_total', { http_response_status_code: '499' }))
          .toBe(1)
        expect(
          await count('drive_gateway_rejected_requests_total', { reason: 'bad_request' })
        ).toBe(0)
      } finally {
        await gateway.close()
        await origin.close()
      }
    }
  )
})

describe('requests Node refuses before routing', () => {
  it('a header block over the limit → 431 and counted as header_too_large', async () => {
    const labels = { reason: 'header_too_large' }
    const before = sampleValue(await gw.scrape(), 'drive_gateway_rejected_requests_total', labels)
    const res = await rawRequest(`${gw.url}/files/abc`, {
      headers: { 'x-big': 'x'.repeat(20_000) },
    }).catch((error: Error) => error)
    if (!(res instanceof Error)) expect(res.status).toBe(431)
    const after = sampleValue(await gw.scrape(), 'drive_gateway_rejected_requests_total', labels)
    expect(after - before).toBe(1)
  })
})

describe('admin endpoints', () => {
  it('/healthz answers 200 and /readyz 200 while serving', async () => {
    expect((await fetch(`${gw.adminUrl}/healthz`)).status).toBe(200)
    expect((await fetch(`${gw.adminUrl}/readyz`)).status).toBe(200)
  })
})

describe('a response body that stalls', () => {
  it('is cut after UPSTREAM_BODY_TIMEOUT_MS of silence and counted as an upstream abort', async () => {
    const gateway = await startTestGateway({
      UPSTREAM_URL: sim.url,
      CACHE: 'off',
      UPSTREAM_BODY_TIMEOUT_MS: '200',
    })
    try {
      const labels = { http_route: '/files/{resourceKey}/download', side: 'upstream' }
      const res = await rawRequest(`${gateway.url}/files/abc/download?size=1048576`, {
        headers: {
          'x-sim-fault': 'slow-body',
          'x-sim-chunk-delay-ms': '1000',
          'x-sim-chunk-bytes': '100000',
        },
      })
      expect(res.status).toBe(200)
      expect(res.complete).toBe(false)
      expect(
        sampleValue(await gateway.scrape(), 'drive_gateway_aborted_responses_total', labels)
      ).toBe(1)
    } finally {
      await gateway.close()
    }
  })
})
