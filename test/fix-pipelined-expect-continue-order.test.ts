import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { openRaw, parseResponses } from './helpers/fuzz/raw-http.ts'
import { startOrigin, type Origin } from './helpers/origin.ts'

// Defect (found by test/fuzz-client.test.ts): a request with `Expect: 100-continue` pipelined
// behind another got its `100 Continue` queued, and its final head overtook it: the client read
// "HTTP/1.1 100 Continue" as body bytes of the final response. The 100 is now written only when
// the response's turn on the connection comes, and never after its head.

let origin: Origin
let gw: TestGateway

beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    // The first answer is slow, so the second is ready while still queued behind it.
    const delay = req.url!.endsWith('/a') ? 300 : 0
    req.on('end', () => setTimeout(() => res.end(`got ${Buffer.concat(chunks).length}`), delay))
  })
  gw = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE: 'off' })
})

afterAll(async () => {
  await gw?.close()
  await origin?.close()
})

it('GET, then POST with Expect and its body pipelined: two clean answers in order', async () => {
  const conn = await openRaw(Number(new URL(gw.url).port))
  conn.socket.write(
    'GET /files/a HTTP/1.1\r\nHost: gw\r\n\r\n' +
      'POST /files/b HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello'
  )
  const done = (b: Buffer) => parseResponses(b, ['GET', 'POST']).filter((r) => r.complete).length
  const bytes = await conn.until((b) => done(b) === 2)
  conn.socket.destroy()
  const text = bytes.toString('latin1')
  // Whatever interim answer there is comes before the final head it belongs to.
  expect(text).not.toMatch(/\r\n\r\n[^H]*HTTP\/1\.1 100 Continue\r\n\r\n(got|ok)/)
  const responses = parseResponses(bytes, ['GET', 'POST'])
  expect(responses.map((r) => `${r.status} ${r.body.toString()}`)).toEqual([
    '200 got 0',
    '200 got 5',
  ])
})
