import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { openRaw, parseResponses } from './helpers/fuzz/raw-http.ts'
import { startOrigin, type Origin } from './helpers/origin.ts'

// Defect (found by test/fuzz-client.test.ts): once a CONNECT (or an Upgrade) takes a connection
// out of Node's HTTP parser, Node no longer relays the socket's 'drain' to the response being
// written there, so a large response pipelined before the CONNECT stalled for good under
// backpressure. The listener now relays it: the response completes, then CONNECT gets its 405.

const SIZE = 4 * 1024 * 1024
let origin: Origin
let gw: TestGateway

beforeAll(async () => {
  origin = await startOrigin((_req, res) => res.end(Buffer.alloc(SIZE, 'z')))
  gw = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE: 'off' })
})

afterAll(async () => {
  await gw?.close()
  await origin?.close()
})

it('a 4 MiB answer pipelined before a CONNECT completes, then 405', async () => {
  const conn = await openRaw(Number(new URL(gw.url).port))
  conn.socket.write(
    'GET /files/big/download HTTP/1.1\r\nHost: gw\r\n\r\n' +
      'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n'
  )
  expect(await conn.closed).toBe('end')
  const responses = parseResponses(conn.received(), ['GET', 'CONNECT'])
  expect(responses.map((r) => [r.status, r.complete, r.body.length])).toEqual([
    [200, true, SIZE],
    [405, true, 0],
  ])
})
