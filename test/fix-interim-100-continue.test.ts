import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { startRawUpstream, wireRequest, type RawUpstream } from './helpers/raw-upstream.ts'

// undici failed a `100 Continue` as a bad response. It is an interim response (RFC 9110
// §15.2): consumed, and the final response reaches the client.
let upstream: RawUpstream
let gw: TestGateway

beforeAll(async () => {
  upstream = await startRawUpstream(() => ({
    chunks: ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 201 Made\r\ncontent-length: 2\r\n\r\n{}'],
    gapMs: 5,
  }))
  gw = await startTestGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' })
})
afterAll(async () => {
  await gw?.close()
  await upstream?.close()
})

describe('interim responses from the upstream', () => {
  it('a 100 Continue before the final response yields the final response', async () => {
    const res = await wireRequest(gw.url, '/files/abc')
    expect(res.statusLine).toBe('HTTP/1.1 201 Made')
    expect(res.body.toString()).toBe('{}')
  })
})
