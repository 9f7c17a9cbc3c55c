import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startTestGateway, type TestGateway } from './helpers/gateway.ts'

import { startRawUpstream, wireRequest, type RawUpstream } from './helpers/raw-upstream.ts'
import { sampleValue } from './helpers/metrics-text.ts'

// Responses whose framing can't be trusted used to be labelled UPSTREAM_UNREACHABLE, which
// points operators at the network. They are bad responses: 502 UPSTREAM_BAD_RESPONSE.
const CASES: Record<string, string> = {
  'unsolicited-101':
    'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n',
  'conflicting-content-length':
    'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}x',
  'duplicate-content-length': 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 2\r\n\r\n{}',
  'content-length-and-chunked':
    'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  'chunked-with-parameter':
    'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked;q=1\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  'gzip-transfer-coding':
    'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  'control-byte-in-reason': 'HTTP/1.1 200 O\x01K\r\ncontent-length: 2\r\n\r\n{}',
}

let upstream: RawUpstream
let gw: TestGateway

beforeAll(async () => {
  upstream = await startRawUpstream((head) => ({
    chunks: [CASES[/GET \/files\/([\w-]+)/.exec(head)![1]!]!],
  }))
  gw = await startTestGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' })
})
afterAll(async () => {
  await gw?.close()
  await upstream?.close()
})

describe('a response with untrustworthy framing', () => {
  it.each(Object.keys(CASES))('%s → 502 UPSTREAM_BAD_RESPONSE', async (name) => {
    const before = sampleValue(await gw.scrape(), 'drive_gateway_responses_total', {
      drive_error_code: 'UPSTREAM_BAD_RESPONSE',
    })
    const res = await wireRequest(gw.url, `/files/${name}`)
    expect(res.statusLine).toBe('HTTP/1.1 502 Bad Gateway')
    expect(JSON.parse(res.body.toString())).toMatchObject({
      domain: 'gateway',
      code: 'UPSTREAM_BAD_RESPONSE',
    })
    const after = sampleValue(await gw.scrape(), 'drive_gateway_responses_total', {
      drive_error_code: 'UPSTREAM_BAD_RESPONSE',
    })
    expect(after - before).toBe(1)
  })
})
