import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { startRawUpstream, wireRequest, type RawUpstream } from './helpers/raw-upstream.ts'

// undici's HTTP/1 parser assigned the reason phrase from each piece of a status line split
// across TCP reads, so `403 Forbidden` reached the client as `403 n`. patches/ carries the fix
// (appending, as latin1) until an undici release has it; this test pins it.
let upstream: RawUpstream
let gw: TestGateway

beforeAll(async () => {
  upstream = await startRawUpstream(() => ({
    chunks: [...'HTTP/1.1 403 Forbidden\r\n'.split(''), 'content-length: 2\r\n\r\n{}'],
    gapMs: 4,
  }))
  gw = await startTestGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' })
})
afterAll(async () => {
  await gw?.close()
  await upstream?.close()
})

describe('a status line sent byte by byte', () => {
  it('reaches the client with its whole reason phrase', async () => {
    const res = await wireRequest(gw.url, '/files/abc')
    expect(res.statusLine).toBe('HTTP/1.1 403 Forbidden')
  })
})
