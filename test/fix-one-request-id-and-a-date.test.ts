import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { startRawUpstream, wireRequest, type RawUpstream } from './helpers/raw-upstream.ts'

// What the gateway adds to a response it passes on:
// - one X-Request-Id, its own. An upstream that answered with an id of its own reached the
//   client beside the gateway's, two ids in one response (a cache replay had one).
// - a Date when the upstream sent none, and on its own replies, where it is the origin
//   (RFC 9110 §6.6.1). One the upstream sent is passed on as it is.
let upstream: RawUpstream
let gw: TestGateway

beforeAll(async () => {
  upstream = await startRawUpstream((head) => {
    const id = /x-request-id: ([^\r\n]+)/i.exec(head)?.[1] ?? ''
    const fields = head.includes('/files/own-id')
      ? `X-Request-Id: upstream-${id}\r\n`
      : head.includes('/files/same-id')
        ? `X-Request-Id: ${id}\r\n`
        : head.includes('/files/dated')
          ? 'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n'
          : ''
    return { chunks: [`HTTP/1.1 200 OK\r\n${fields}Content-Length: 2\r\n\r\n{}`] }
  })
  gw = await startTestGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' })
})
afterAll(async () => {
  await gw?.close()
  await upstream?.close()
})

const fields = (lines: readonly string[], name: string) =>
  lines
    .filter((l) => l.toLowerCase().startsWith(`${name}:`))
    .map((l) => l.slice(name.length + 1).trim())

describe('headers the gateway adds', () => {
  it('one X-Request-Id, the gateway’s, even when the upstream answered with its own', async () => {
    const response = await wireRequest(gw.url, '/files/own-id', 'x-request-id: client-1\r\n')
    expect(fields(response.headerLines, 'x-request-id')).toEqual(['client-1'])
  })

  it('the upstream’s echo of the same id is kept as it is, not doubled', async () => {
    const response = await wireRequest(gw.url, '/files/same-id', 'x-request-id: client-2\r\n')
    expect(fields(response.headerLines, 'x-request-id')).toEqual(['client-2'])
  })

  it('a Date when the upstream sent none; the upstream’s own Date untouched', async () => {
    const before = Date.now() - 1_000
    const undated = await wireRequest(gw.url, '/files/undated')
    const [date] = fields(undated.headerLines, 'date')
    expect(fields(undated.headerLines, 'date')).toHaveLength(1)
    expect(Date.parse(date!)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000)
    const dated = await wireRequest(gw.url, '/files/dated')
    expect(fields(dated.headerLines, 'date')).toEqual(['Sun, 06 Nov 1994 08:49:37 GMT'])
  })

  it('a Date on the gateway’s own replies', async () => {
    const refused = await wireRequest(gw.url, '/files/%2e%2e/secret')
    expect(refused.statusLine).toMatch(/^HTTP\/1\.1 400 /)
    expect(fields(refused.headerLines, 'date')).toHaveLength(1)
  })
})
