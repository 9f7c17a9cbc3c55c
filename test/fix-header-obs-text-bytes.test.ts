import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { startRawUpstream, wireRequest, type RawUpstream } from './helpers/raw-upstream.ts'

// Header values with bytes 0x80–0xFF (obs-text, RFC 9110 §5.5) pass through as sent, on the
// proxied path and from the cache: never re-encoded (`caf\xe9` must not become `caf\xc3\xa9`).
let upstream: RawUpstream
let gw: TestGateway

beforeAll(async () => {
  upstream = await startRawUpstream(() => ({
    chunks: [
      'HTTP/1.1 200 OK\r\nx-a: caf\xe9\r\nx-b: \xff\x80 end\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}',
    ],
  }))
  gw = await startTestGateway({ UPSTREAM_URL: upstream.url })
})
afterAll(async () => {
  await gw?.close()
  await upstream?.close()
})

function header(lines: string[], name: string): Buffer | undefined {
  const line = lines.find((l) => l.toLowerCase().startsWith(`${name}: `))
  return line === undefined ? undefined : Buffer.from(line.slice(name.length + 2), 'latin1')
}

describe('obs-text bytes in header values', () => {
  it('pass through unchanged when proxied', async () => {
    const res = await wireRequest(gw.url, '/files/nocache')
    expect(header(res.headerLines, 'x-a')).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xe9]))
    expect(header(res.headerLines, 'x-b')).toEqual(Buffer.from('\xff\x80 end', 'latin1'))
  })

  it('pass through unchanged from the cache', async () => {
    const auth = 'authorization: Bearer t1\r\n'
    const first = await wireRequest(gw.url, '/files/cached', auth)
    const second = await wireRequest(gw.url, '/files/cached', auth)
    expect(header(second.headerLines, 'x-cache-status')?.toString()).toBe('HIT')
    for (const res of [first, second]) {
      expect(header(res.headerLines, 'x-a')).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xe9]))
      expect(header(res.headerLines, 'x-b')).toEqual(Buffer.from('\xff\x80 end', 'latin1'))
    }
  })
})
