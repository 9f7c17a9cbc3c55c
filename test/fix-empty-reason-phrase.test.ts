import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { startRawUpstream, wireRequest, type RawUpstream } from './helpers/raw-upstream.ts'

// An empty reason phrase was replaced by Node's default (`206 Partial Content`): it stays empty.
let upstream: RawUpstream
let gw: TestGateway

beforeAll(async () => {
  upstream = await startRawUpstream(() => ({
    chunks: ['HTTP/1.1 206 \r\ncontent-length: 2\r\n\r\n{}'],
  }))
  gw = await startTestGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' })
})
afterAll(async () => {
  await gw?.close()
  await upstream?.close()
})

describe('an empty reason phrase', () => {
  it('stays empty', async () => {
    const res = await wireRequest(gw.url, '/files/abc')
    expect(res.statusLine).toBe('HTTP/1.1 206 ')
  })
})
