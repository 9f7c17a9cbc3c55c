import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { startRawUpstream, wireRequest, type RawUpstream } from './helpers/raw-upstream.ts'

// Defect (found by test/fuzz-upstream.test.ts): on a streamed response (chunked, close-delimited
// or over 64 KiB) the head was sent with ServerResponse#flushHeaders, which writes it as UTF-8:
// a reason phrase or field value with obs-text bytes (`caf\xe9`) reached the client re-encoded
// (`caf\xc3\xa9`). The head of a streamed response is now written as latin1, byte for byte.

let upstream: RawUpstream
let gw: TestGateway

beforeAll(async () => {
  upstream = await startRawUpstream(() => ({
    chunks: [
      'HTTP/1.1 200 D\xe9j\xe0 vu\r\nx-a: caf\xe9\r\ntransfer-encoding: chunked\r\n\r\n',
      '3\r\nabc\r\n0\r\n\r\n',
    ],
    gapMs: 20,
  }))
  gw = await startTestGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' })
})

afterAll(async () => {
  await gw?.close()
  await upstream?.close()
})

it('a streamed response keeps obs-text bytes in its reason phrase and field values', async () => {
  const res = await wireRequest(gw.url, '/files/streamed')
  expect(Buffer.from(res.statusLine, 'latin1')).toEqual(
    Buffer.from('HTTP/1.1 200 D\xe9j\xe0 vu', 'latin1')
  )
  const line = res.headerLines.find((l) => l.toLowerCase().startsWith('x-a:'))!
  expect(Buffer.from(line, 'latin1')).toEqual(Buffer.from('x-a: caf\xe9', 'latin1'))
  expect(res.body.toString('latin1')).toContain('abc')
})
