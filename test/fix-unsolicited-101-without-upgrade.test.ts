import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { startRawUpstream, wireRequest, type RawUpstream } from './helpers/raw-upstream.ts'

// Defect (found by test/fuzz-upstream.test.ts): an unsolicited `101 Switching Protocols` without
// `Upgrade` and `Connection: upgrade` fields trips an assertion in undici's parser, which the
// gateway labelled 502 UPSTREAM_UNREACHABLE, pointing operators at the network. It is a bad
// response: 502 UPSTREAM_BAD_RESPONSE.

let upstream: RawUpstream
let gw: TestGateway

beforeAll(async () => {
  upstream = await startRawUpstream((head) => ({
    chunks: [
      head.includes('/with-length')
        ? 'HTTP/1.1 101 Switching Protocols\r\ncontent-length: 3\r\n\r\nabc'
        : 'HTTP/1.1 101 Switching Protocols\r\n\r\n',
    ],
  }))
  gw = await startTestGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' })
})

afterAll(async () => {
  await gw?.close()
  await upstream?.close()
})

it('a 101 without Upgrade fields is 502 UPSTREAM_BAD_RESPONSE', async () => {
  for (const path of ['/files/bare', '/files/with-length']) {
    const res = await wireRequest(gw.url, path)
    expect(res.statusLine, path).toBe('HTTP/1.1 502 Bad Gateway')
    expect(JSON.parse(res.body.toString()).code, path).toBe('UPSTREAM_BAD_RESPONSE')
  }
})
