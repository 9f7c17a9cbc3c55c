import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startTestGateway, type TestGateway } from './helpers/gateway.ts'

import { startRawUpstream, wireRequest, type RawUpstream } from './helpers/raw-upstream.ts'
import { sampleValue } from './helpers/metrics-text.ts'

// A reason phrase with obs-text (RFC 9112 §4: bytes 0x80–0xFF are allowed) used to reach
// writeHead decoded as UTF-8 (U+FFFD), which throws outside any guard and killed the process.
let upstream: RawUpstream
let gw: TestGateway

beforeAll(async () => {
  upstream = await startRawUpstream(() => ({
    chunks: [
      'HTTP/1.1 404 Not\xe9Found\r\ncontent-type: application/json\r\ncontent-length: 44\r\n\r\n{"code":"RESOURCE_NOT_FOUND","message":"no"}',
    ],
  }))
  gw = await startTestGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' })
})
afterAll(async () => {
  await gw?.close()
  await upstream?.close()
})

describe('an obs-text reason phrase', () => {
  it('reaches the client byte for byte, and the gateway keeps serving', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await wireRequest(gw.url, '/files/abc')
      expect(Buffer.from(res.statusLine, 'latin1')).toEqual(
        Buffer.from('HTTP/1.1 404 Not\xe9Found', 'latin1')
      )
      expect(res.body.toString()).toBe('{"code":"RESOURCE_NOT_FOUND","message":"no"}')
    }
    const text = await gw.scrape()
    expect(
      sampleValue(text, 'drive_gateway_responses_total', {
        http_response_status_code: '404',
        drive_error_code: 'RESOURCE_NOT_FOUND',
      })
    ).toBe(3)
  })
})
