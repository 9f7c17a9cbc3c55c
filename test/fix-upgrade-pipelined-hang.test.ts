import { setTimeout as sleep } from 'node:timers/promises'

import { afterAll, beforeAll, expect, it } from 'vitest'

import { startTestGateway, type TestGateway } from './helpers/gateway.ts'

import { openRaw, parseResponses } from './helpers/fuzz/raw-http.ts'

import { startOrigin, type Origin } from './helpers/origin.ts'
import { sampleValue } from './helpers/metrics-text.ts'

// Defect: after a request with `Connection: Upgrade` and `Upgrade: websocket`, Node's parser
// stopped reading the connection, so requests pipelined behind it hung until the keep-alive
// timeout. The gateway supports no upgrade: it serves such a request as plain HTTP with
// `Upgrade` removed, and the connection keeps serving.

let origin: Origin
let gw: TestGateway
const port = () => Number(new URL(gw.url).port)

beforeAll(async () => {
  origin = await startOrigin((req, res) => res.end(`ok ${req.url}`))
  gw = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE: 'off' })
})

afterAll(async () => {
  await gw?.close()
  await origin?.close()
})

const h = 'Host: gw\r\n'
const upgrade =
  'Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n'
const endsWith = (text: string) => (bytes: Buffer) => bytes.toString('latin1').endsWith(text)

it('GET, GET with Upgrade, GET pipelined in one write: three answers, and the connection keeps serving', async () => {
  const before = sampleValue(await gw.scrape(), 'drive_gateway_responses_total')
  const seen = origin.seen.length
  const conn = await openRaw(port())
  conn.socket.write(
    `GET /files/a HTTP/1.1\r\n${h}\r\n` +
      `GET /files/b HTTP/1.1\r\n${h}${upgrade}\r\n` +
      `GET /files/c HTTP/1.1\r\n${h}\r\n`
  )
  await conn.until(endsWith('ok /files/c'), 5_000)
  conn.socket.write(`GET /files/d HTTP/1.1\r\n${h}\r\n`)
  await conn.until(endsWith('ok /files/d'), 5_000)
  const responses = parseResponses(conn.received(), ['GET', 'GET', 'GET', 'GET'])
  expect(responses.map((r) => `${r.status} ${r.body.toString()}`)).toEqual([
    '200 ok /files/a',
    '200 ok /files/b',
    '200 ok /files/c',
    '200 ok /files/d',
  ])
  conn.socket.end()
  expect(await conn.closed).toBe('end')

  // Upgrade is hop-by-hop: the upstream saw a plain request.
  const b = origin.seen.slice(seen).find((r) => r.url === '/files/b')!
  const names = b.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase())
  expect(names).not.toContain('upgrade')
  expect(names).toContain('sec-websocket-version')
  await sleep(50)
  expect(sampleValue(await gw.scrape(), 'drive_gateway_responses_total') - before).toBe(4)
})

it('an Upgrade request alone is answered as plain HTTP, never 101', async () => {
  const conn = await openRaw(port())
  conn.socket.write(`GET /files/e HTTP/1.1\r\n${h}${upgrade}\r\n`)
  const bytes = await conn.until(endsWith('ok /files/e'), 5_000)
  expect(bytes.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
  expect(bytes.toString('latin1')).not.toMatch(/\r\nupgrade:/i)
  conn.socket.destroy()
})
