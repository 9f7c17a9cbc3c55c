import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startTestGateway, type TestGateway } from './helpers/gateway.ts'

import { startRawUpstream, wireRequest, type RawUpstream } from './helpers/raw-upstream.ts'
import { responseCounts, sampleValue } from './helpers/metrics-text.ts'

// A final status outside 200–599 used to destroy the upstream body with no error listener: an
// unhandled 'error' event that killed the process. It is a bad response (502), and the
// gateway goes on serving.
let upstream: RawUpstream
let gw: TestGateway
const statuses = [600, 700, 999]

beforeAll(async () => {
  upstream = await startRawUpstream((head) => {
    const status = /\/s\/(\d+)/.exec(head)?.[1] ?? '200'
    // A body longer than the small-body limit, so it is still streaming when it is dropped.
    const body = 'x'.repeat(100_000)
    return { chunks: [`HTTP/1.1 ${status} Odd\r\ncontent-length: ${body.length}\r\n\r\n`, body] }
  })
  gw = await startTestGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' })
})
afterAll(async () => {
  await gw?.close()
  await upstream?.close()
})

describe('a status outside 200–599', () => {
  it.each(statuses)('%i is answered 502 UPSTREAM_BAD_RESPONSE', async (status) => {
    const res = await wireRequest(gw.url, `/files/s/${status}`)
    expect(res.statusLine).toBe('HTTP/1.1 502 Bad Gateway')
    expect(JSON.parse(res.body.toString())).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' })
  })

  it('is counted as a gateway error, and the in-flight gauge is back to 0', async () => {
    const ok = await wireRequest(gw.url, '/files/s/200')
    expect(ok.statusLine).toBe('HTTP/1.1 200 Odd')
    const text = await gw.scrape()
    expect(
      sampleValue(text, 'drive_gateway_responses_total', {
        http_response_status_code: '502',
        drive_error_code: 'UPSTREAM_BAD_RESPONSE',
      })
    ).toBe(statuses.length)
    expect(responseCounts(text).active).toBe(0)
  })
})
