import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { sampleValue } from './helpers/metrics-text.ts'
import { startRawUpstream, wireRequest, type RawUpstream } from './helpers/raw-upstream.ts'

// A small body of known length is read whole before it is written (upstream.ts). When the
// upstream broke part-way, the client used to get the head and none of the body: the bytes that
// had arrived were pushed and destroyed in the same tick. It gets what arrived, then the cut,
// as a streamed body does; either way the response is counted as cut by the upstream.
let upstream: RawUpstream
let gw: TestGateway

beforeAll(async () => {
  upstream = await startRawUpstream((head) => {
    const length = head.includes('/big') ? 200_000 : 10
    return {
      chunks: [`HTTP/1.1 200 OK\r\ncontent-length: ${length}\r\n\r\n`, 'hello'],
      gapMs: 20,
      then: head.includes('reset') ? 'reset' : 'end',
    }
  })
  gw = await startTestGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' })
})
afterAll(async () => {
  await gw?.close()
  await upstream?.close()
})

const cutByUpstream = async (route: string) =>
  sampleValue(await gw.scrape(), 'drive_gateway_aborted_responses_total', {
    http_route: route,
    side: 'upstream',
  }) ?? 0

describe('an upstream that breaks inside a body', () => {
  it.each([
    ['small, closed', '/files/small-end'],
    ['small, reset', '/files/small-reset'],
    ['streamed, closed', '/files/big-end'],
    ['streamed, reset', '/files/big-reset'],
  ])('%s: the client gets the head, the bytes that arrived, then the cut', async (_, path) => {
    const before = await cutByUpstream('/files/{resourceKey}')
    const response = await wireRequest(gw.url, path)
    expect(response.statusLine).toBe('HTTP/1.1 200 OK')
    expect(response.headerLines).toContain(`content-length: ${path.includes('big') ? 200_000 : 10}`)
    expect(response.body.toString()).toBe('hello')
    await expect.poll(() => cutByUpstream('/files/{resourceKey}')).toBe(before + 1)
  })
})
