import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { startRawUpstream, type RawUpstream } from './helpers/raw-upstream.ts'
import { connect } from 'node:net'

// A `103 Early Hints` from the upstream reaches an HTTP/1.1 client before the final response
// (RFC 8297, RFC 9110 §15.2); the final response is unchanged.
const OBJECT_PROPERTY_FIELDS =
  '__proto__: x\r\nconstructor: y\r\ntoString: z\r\nhasOwnProperty: w\r\n'
let upstream: RawUpstream
let gw: TestGateway

beforeAll(async () => {
  upstream = await startRawUpstream((head) => ({
    chunks: [
      'HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload; as=style\r\n' +
        // Field names that are also names of every JavaScript object's properties.
        (head.includes('/files/proto') ? OBJECT_PROPERTY_FIELDS : '') +
        '\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}',
    ],
    gapMs: 10,
  }))
  gw = await startTestGateway({ UPSTREAM_URL: upstream.url, CACHE: 'off' })
})
afterAll(async () => {
  await gw?.close()
  await upstream?.close()
})

function exchange(version: string, path = '/files/abc'): Promise<string> {
  const { hostname, port } = new URL(gw.url)
  return new Promise((resolve, reject) => {
    let text = ''
    const socket = connect(Number(port), hostname, () =>
      socket.write(`GET ${path} HTTP/${version}\r\nhost: x\r\nconnection: close\r\n\r\n`)
    )
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')))
    socket.on('error', reject)
    socket.on('close', () => resolve(text))
  })
}

describe('103 Early Hints', () => {
  it('reach an HTTP/1.1 client before the final response', async () => {
    const text = await exchange('1.1')
    expect(text).toMatch(/^HTTP\/1\.1 103 Early Hints\r\n/)
    expect(text).toMatch(/\r\nlink: <\/style.css>; rel=preload; as=style\r\n/i)
    expect(text).toMatch(/\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{\}$/)
  })

  it('named like JavaScript object properties still pass, and the final response with them', async () => {
    const text = await exchange('1.1', '/files/proto')
    expect(text).toMatch(/^HTTP\/1\.1 103 Early Hints\r\n/)
    expect(text).toMatch(/\r\n__proto__: x\r\n/)
    expect(text).toMatch(/\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{\}$/)
  })

  it('are not sent to an HTTP/1.0 client', async () => {
    const text = await exchange('1.0')
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
  })
})
