import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startTestGateway, type TestGateway } from './helpers/gateway.ts'

import { rawRequest, startOrigin, type Origin } from './helpers/origin.ts'
import { sampleValue } from './helpers/metrics-text.ts'

// Background refreshes go through the gateway's one upstream client, so they are timed in
// http_client_request_duration_seconds like any other upstream call.
let origin: Origin
let gw: TestGateway

beforeAll(async () => {
  origin = await startOrigin((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=1' })
    res.end('{"ok":true}')
  })
  gw = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE_STALE_SECONDS: '60' })
})
afterAll(async () => {
  await gw?.close()
  await origin?.close()
})

const clientCalls = async () =>
  sampleValue(await gw.scrape(), 'http_client_request_duration_seconds_count', {
    http_route: '/files/{resourceKey}',
  })

describe('a background refresh', () => {
  it('is counted in the upstream client histogram', async () => {
    const get = () => rawRequest(`${gw.url}/files/r1`, { headers: { authorization: 'Bearer a' } })
    expect((await get()).rawHeaders).toContain('MISS')
    expect(await clientCalls()).toBe(1)
    await new Promise((r) => setTimeout(r, 1_200))
    expect((await get()).rawHeaders).toContain('STALE')
    await expect.poll(clientCalls, { timeout: 5_000 }).toBe(2)
    expect(origin.seen).toHaveLength(2)
  })
})
