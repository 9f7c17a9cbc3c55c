import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { startOrigin, type Origin } from './helpers/origin.ts'

// A streamed upstream body flows at the pace of the client that reads it (src/proxy/upstream.ts:
// the body pauses undici's socket when the client falls behind), and a client that leaves in
// the middle cancels the upstream request rather than leaving it to run to its end.
const CHUNK = Buffer.alloc(64 * 1024, 0x61)
const ENOUGH = 1024 * 1024 * 1024

let origin: Origin
let gateway: TestGateway
let written = 0
let originClosed = false

beforeAll(async () => {
  // Writes as fast as its reader takes the bytes, up to 1 GiB, with no Content-Length.
  origin = await startOrigin((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    const pump = () => {
      while (written < ENOUGH) {
        written += CHUNK.length
        if (!res.write(CHUNK)) return
      }
      res.end()
    }
    res.on('drain', pump)
    res.on('close', () => (originClosed = true))
    pump()
  })
  gateway = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE: 'off', LOG_LEVEL: 'warn' })
})
afterAll(async () => {
  await gateway?.close()
  await origin?.close()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('a streamed upstream body', () => {
  let client: Socket
  let received = 0

  it('is read from the upstream no faster than the client reads it', async () => {
    const { port } = new URL(gateway.url)
    client = connect(Number(port), '127.0.0.1')
    client.on('data', (chunk: Buffer) => (received += chunk.length))
    client.write('GET /files/big HTTP/1.1\r\nHost: gateway\r\n\r\n')
    await expect.poll(() => received, { timeout: 5_000 }).toBeGreaterThan(0)
    client.pause()
    await sleep(1_000)
    const afterPause = written
    await sleep(1_000)
    // Socket buffers and one stream's worth of chunks are in flight; then the upstream waits.
    expect(written).toBe(afterPause)
    expect(written).toBeLessThan(64 * 1024 * 1024)
    expect(originClosed).toBe(false)
  })

  it('is cancelled upstream when the client leaves in the middle', async () => {
    client.destroy()
    await expect.poll(() => originClosed, { timeout: 5_000 }).toBe(true)
    expect(written).toBeLessThan(ENOUGH)
    const metrics = await gateway.scrape()
    expect(metrics).toMatch(/drive_gateway_aborted_responses_total\{.*side="client".*\} 1/)
  })
})
