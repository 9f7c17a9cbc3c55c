import { afterAll, beforeAll, expect, it } from 'vitest'

import { startTestGateway, type TestGateway } from './helpers/gateway.ts'

import { openRaw, parseResponses } from './helpers/fuzz/raw-http.ts'

import { startOrigin, type Origin } from './helpers/origin.ts'
import { sampleValue } from './helpers/metrics-text.ts'

// Defect (found by test/fuzz-client.test.ts): a malformed request pipelined behind a good one
// made the listener destroy the connection at once, discarding the good request's answer, and a
// client that reset its connection was counted as a refused `bad_request`. Now the good request
// is answered first, then the 400, then the connection closes; a reset counts nothing; and a
// request whose body breaks its own framing closes the connection at once rather than wait.

let origin: Origin
let gw: TestGateway
const port = () => Number(new URL(gw.url).port)
const rejected = async () =>
  sampleValue(await gw.scrape(), 'drive_gateway_rejected_requests_total', { reason: 'bad_request' })

beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    req.resume()
    req.on('end', () => setTimeout(() => res.end('ok'), 50))
  })
  gw = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE: 'off' })
})

afterAll(async () => {
  await gw?.close()
  await origin?.close()
})

it('GET then garbage pipelined: the GET is answered, then 400, then close; counted once', async () => {
  const before = await rejected()
  const conn = await openRaw(port())
  conn.socket.write('GET /files/a HTTP/1.1\r\nHost: gw\r\n\r\nG@RBAGE\r\n\r\n')
  await conn.closed
  const responses = parseResponses(conn.received(), ['GET', 'GET'])
  expect(responses.map((r) => [r.status, r.complete])).toEqual([
    [200, true],
    [400, true],
  ])
  expect((await rejected()) - before).toBe(1)
})

it('a chunked body with a bad chunk size closes the connection at once', async () => {
  const conn = await openRaw(port())
  conn.socket.write(
    'POST /files/a HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'
  )
  const how = await Promise.race([
    conn.closed,
    new Promise((r) => setTimeout(() => r('open'), 3_000)),
  ])
  expect(how).not.toBe('open')
})

it('a client that resets mid-request is not counted as a refused request', async () => {
  const before = await rejected()
  const conn = await openRaw(port())
  conn.socket.write('GET /files/a HTTP/1.1\r\nHost: gw\r\nX-Partial: ')
  await new Promise((r) => setTimeout(r, 50))
  conn.socket.resetAndDestroy()
  await new Promise((r) => setTimeout(r, 200))
  expect((await rejected()) - before).toBe(0)
})
