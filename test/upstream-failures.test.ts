import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startSimulator, type Simulator } from '../src/simulator/index.ts'

import { startTestGateway, type TestGateway } from './helpers/gateway.ts'

import { rawRequest } from './helpers/origin.ts'
import { freePort } from './helpers/redis-server.ts'
import { sampleValue } from './helpers/metrics-text.ts'

let sim: Simulator
let gw: TestGateway

beforeAll(async () => {
  sim = await startSimulator()
  gw = await startTestGateway({ UPSTREAM_URL: sim.url, CACHE: 'off', UPSTREAM_TIMEOUT_MS: '300' })
})

afterAll(async () => {
  await gw?.close()
  await sim?.close()
})

function json(body: Buffer) {
  return JSON.parse(body.toString()) as { domain: string; code: string; message: string }
}

async function counted(labels: Record<string, string>, run: () => Promise<void>, gateway = gw) {
  const before = sampleValue(await gateway.scrape(), 'drive_gateway_responses_total', labels)
  await run()
  return sampleValue(await gateway.scrape(), 'drive_gateway_responses_total', labels) - before
}

describe('gateway-made errors when there is no upstream response', () => {
  it('connection refused → 502 UPSTREAM_UNREACHABLE', async () => {
    const port = await freePort()
    const dead = await startTestGateway({ UPSTREAM_URL: `http://127.0.0.1:${port}`, CACHE: 'off' })
    try {
      const n = await counted(
        { http_response_status_code: '502', drive_error_code: 'UPSTREAM_UNREACHABLE' },
        async () => {
          const res = await rawRequest(`${dead.url}/files/abc`)
          expect(res.status).toBe(502)
          expect(json(res.body)).toEqual({
            domain: 'gateway',
            code: 'UPSTREAM_UNREACHABLE',
            message: expect.any(String),
          })
        },
        dead
      )
      expect(n).toBe(1)
    } finally {
      await dead.close()
    }
  })

  it('an upstream that never answers → 504 UPSTREAM_TIMEOUT', async () => {
    const n = await counted(
      { http_response_status_code: '504', drive_error_code: 'UPSTREAM_TIMEOUT' },
      async () => {
        const res = await rawRequest(`${gw.url}/files/abc`, { headers: { 'x-sim-fault': 'hang' } })
        expect(res.status).toBe(504)
        expect(json(res.body).code).toBe('UPSTREAM_TIMEOUT')
      }
    )
    expect(n).toBe(1)
  })

  it('a reset before any response → 502 UPSTREAM_UNREACHABLE, and a POST is never retried', async () => {
    const before = sim.countRequests((r) => r.method === 'POST')
    const res = await rawRequest(`${gw.url}/files/abc/copy`, {
      method: 'POST',
      headers: { 'x-sim-fault': 'reset', 'content-type': 'application/json' },
      body: '{}',
    })
    expect(res.status).toBe(502)
    expect(json(res.body).code).toBe('UPSTREAM_UNREACHABLE')
    expect(sim.countRequests((r) => r.method === 'POST') - before).toBe(1)
  })

  it('an invalid status line → 502 UPSTREAM_BAD_RESPONSE', async () => {
    for (const fault of ['bad-status', 'garbage']) {
      const res = await rawRequest(`${gw.url}/files/abc`, { headers: { 'x-sim-fault': fault } })
      expect(res.status).toBe(502)
      expect(json(res.body).code).toBe('UPSTREAM_BAD_RESPONSE')
    }
  })

  it('an upstream that dies mid-body cuts the client body, is counted, and the gateway keeps serving', async () => {
    const labels = { http_route: '/files/{resourceKey}/download', side: 'upstream' }
    const before = sampleValue(await gw.scrape(), 'drive_gateway_aborted_responses_total', labels)
    const res = await rawRequest(`${gw.url}/files/abc/download?size=1048576`, {
      headers: { 'x-sim-fault': 'reset-mid-body' },
    })
    expect(res.status).toBe(200)
    expect(res.complete).toBe(false)
    expect(res.body.length).toBeLessThan(1048576)
    const after = sampleValue(await gw.scrape(), 'drive_gateway_aborted_responses_total', labels)
    expect(after - before).toBe(1)
    const next = await rawRequest(`${gw.url}/files/abc`)
    expect(next.status).toBe(200)
  })
})
