import { connect } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { startOrigin, type Origin } from './helpers/origin.ts'

// Node's parser undoes only `chunked`: with `Transfer-Encoding: gzip, chunked` it hands on gzip
// bytes, and the gateway used to send them upstream as the plain body, with no coding named.
// Such a request is refused (400 UNSUPPORTED_TRANSFER_CODING) and never reaches the upstream;
// a plain `chunked` body still passes byte for byte.
let origin: Origin
let gw: TestGateway
const bodies: Buffer[] = []

beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks))
      res.writeHead(201, { 'content-length': '0' }).end()
    })
  })
  gw = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE: 'off' })
})
afterAll(async () => {
  await gw?.close()
  await origin?.close()
})

function chunkedPost(codings: string, body: Buffer): Promise<string> {
  const { hostname, port } = new URL(gw.url)
  return new Promise((resolve, reject) => {
    let text = ''
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST /files HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
          `transfer-encoding: ${codings}\r\nconnection: close\r\n\r\n`
      )
      socket.write(`${body.length.toString(16)}\r\n`)
      socket.write(body)
      socket.write('\r\n0\r\n\r\n')
    })
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')))
    socket.on('error', reject)
    socket.on('close', () => resolve(text))
  })
}

const json = Buffer.from('{"fileName":"report.txt"}')

describe('a request body with a transfer coding', () => {
  it.each(['gzip, chunked', 'GZIP,chunked', 'deflate, chunked', 'chunked;q=1, chunked'])(
    '%s: 400 UNSUPPORTED_TRANSFER_CODING, nothing sent upstream',
    async (codings) => {
      const before = origin.seen.length
      const text = await chunkedPost(codings, gzipSync(json))
      expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
      expect(text).toContain('"code":"UNSUPPORTED_TRANSFER_CODING"')
      expect(origin.seen.length).toBe(before)
    }
  )

  it('chunked alone: passed on, the body byte for byte', async () => {
    const text = await chunkedPost('chunked', json)
    expect(text).toMatch(/^HTTP\/1\.1 201 Created\r\n/)
    expect(bodies.at(-1)).toEqual(json)
  })
})
