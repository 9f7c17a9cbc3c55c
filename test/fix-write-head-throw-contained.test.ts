import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { Exchange } from '../src/exchange/exchange.ts'
import { sendReply } from '../src/exchange/send.ts'
import type { ExchangeOutcome, Reply } from '../src/exchange/types.ts'
import { ErrorCodeLabeler } from '../src/labels/index.ts'
import { wireRequest } from './helpers/raw-upstream.ts'

// If Node refuses to write a reply's head (a header value with a byte HTTP forbids, which a
// corrupt cache entry could hold), the throw used to escape the responder. It is contained:
// the client gets a gateway error and the exchange finishes once, so metrics and logs see it.
let server: Server | undefined
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
)

async function serve(reply: () => Reply) {
  const outcomes: ExchangeOutcome[] = []
  server = createServer((req, res) => {
    const exchange = new Exchange(req.method!, req.url!, new ErrorCodeLabeler(10))
    exchange.onDone((outcome) => outcomes.push(outcome))
    sendReply(res, reply(), exchange)
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, outcomes }
}

describe('a reply whose head Node refuses', () => {
  it('from the cache: 502 UPSTREAM_BAD_RESPONSE, finished once', async () => {
    const { url, outcomes } = await serve(() => ({
      status: 200,
      rawHeaders: ['x-bad', 'line\r\nbreak'],
      body: Buffer.from('{}'),
      source: 'cache',
    }))
    const res = await wireRequest(url, '/files/abc')
    expect(res.statusLine).toBe('HTTP/1.1 502 Bad Gateway')
    expect(JSON.parse(res.body.toString())).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' })
    expect(outcomes).toEqual([
      expect.objectContaining({ status: 502, errorCode: 'UPSTREAM_BAD_RESPONSE', completed: true }),
    ])
  })

  it('with a streaming body: the body is dropped without an unhandled error', async () => {
    let destroyed = false
    const { url, outcomes } = await serve(() => {
      const body = new Readable({ read() {} })
      body.on('close', () => (destroyed = true))
      return { status: 200, statusText: 'O\x00K', rawHeaders: [], body, source: 'upstream' }
    })
    const res = await wireRequest(url, '/files/abc')
    expect(res.statusLine).toBe('HTTP/1.1 502 Bad Gateway')
    expect(destroyed).toBe(true)
    expect(outcomes).toHaveLength(1)
  })

  it("the gateway's own reply: 500 INTERNAL_ERROR", async () => {
    const { url, outcomes } = await serve(() => ({
      status: 200,
      rawHeaders: ['bad name', 'x'],
      body: null,
      source: 'gateway',
    }))
    const res = await wireRequest(url, '/files/abc')
    expect(res.statusLine).toBe('HTTP/1.1 500 Internal Server Error')
    expect(outcomes).toEqual([
      expect.objectContaining({ status: 500, errorCode: 'INTERNAL_ERROR' }),
    ])
  })
})
