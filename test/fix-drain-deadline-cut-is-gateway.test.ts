import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { sampleValue } from './helpers/metrics-text.ts'
import { startOrigin, type Origin } from './helpers/origin.ts'

// A body still streaming when the shutdown drain deadline closes its connection was counted as
// cut by the client (`side="client"`): during every rollout it looked like clients leaving. The
// gateway cut it, and says so: `side="gateway"`, log `aborted_by: "gateway"`.
let origin: Origin
let gw: TestGateway

beforeAll(async () => {
  // 40 chunks of 8 KiB, 50 ms apart: two seconds of body, longer than the drain allows.
  origin = await startOrigin((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    let sent = 0
    const timer = setInterval(() => {
      res.write(Buffer.alloc(8192, 0x61))
      if (++sent === 40) {
        clearInterval(timer)
        res.end()
      }
    }, 50)
    res.on('close', () => clearInterval(timer))
  })
  gw = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE: 'off' })
})
afterAll(async () => {
  await gw?.close()
  await origin?.close()
})

describe('the drain deadline', () => {
  it('counts a body it cuts as cut by the gateway, not by the client', async () => {
    const received = new Promise<number>((resolve) => {
      const req = request(`${gw.url}/files/abc/download`, (res) => {
        let bytes = 0
        res.on('data', (chunk: Buffer) => (bytes += chunk.length))
        res.on('error', () => {})
        res.on('close', () => resolve(bytes))
      })
      req.on('error', () => {})
      req.end()
    })
    await expect.poll(() => origin.seen.length).toBe(1)
    const metrics = gw.gateway.metrics
    await gw.gateway.shutdown(300)
    const bytes = await received
    expect(bytes).toBeGreaterThan(0)
    expect(bytes).toBeLessThan(40 * 8192)
    const exposition = (await metrics.render(undefined)).body
    const cut = (side: string) =>
      sampleValue(exposition, 'drive_gateway_aborted_responses_total', { side }) ?? 0
    expect(cut('gateway')).toBe(1)
    expect(cut('client')).toBe(0)
    await expect
      .poll(() => gw.logs.find((line) => line.msg === 'request')?.aborted_by)
      .toBe('gateway')
  })
})
