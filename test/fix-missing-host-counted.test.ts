import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { sampleValue } from './helpers/metrics-text.ts'
import { startOrigin, type Origin } from './helpers/origin.ts'

// An HTTP/1.1 request without Host is a 400 (RFC 9112 §3.2). Node used to answer it itself, out
// of the gateway's sight: no count anywhere. It is refused as a bad request and counted;
// HTTP/1.0 has no such rule and is proxied.
let origin: Origin
let gw: TestGateway

beforeAll(async () => {
  origin = await startOrigin((_req, res) => res.writeHead(200, { 'content-length': '2' }).end('{}'))
  gw = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE: 'off' })
})
afterAll(async () => {
  await gw?.close()
  await origin?.close()
})

function send(head: string): Promise<string> {
  const { hostname, port } = new URL(gw.url)
  return new Promise((resolve, reject) => {
    let text = ''
    const socket = connect(Number(port), hostname, () => socket.write(head))
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')))
    socket.on('error', reject)
    socket.on('close', () => resolve(text))
  })
}

const badRequests = async () =>
  sampleValue(await gw.scrape(), 'drive_gateway_rejected_requests_total', {
    reason: 'bad_request',
  }) ?? 0

describe('a request without Host', () => {
  it('HTTP/1.1: 400, the connection closed, counted as a bad request, nothing sent upstream', async () => {
    const before = await badRequests()
    const text = await send('GET /files/abc HTTP/1.1\r\n\r\n')
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(text).toMatch(/\r\nConnection: close\r\n/i)
    expect(await badRequests()).toBe(before + 1)
    expect(origin.seen).toHaveLength(0)
  })

  it('HTTP/1.0: proxied', async () => {
    const text = await send('GET /files/abc HTTP/1.0\r\n\r\n')
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{\}$/)
    expect(origin.seen).toHaveLength(1)
  })
})
