import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { rawRequest, startOrigin, type Origin } from './helpers/origin.ts'

// Defect: the README says every `Proxy-*` request field ends at the gateway, but only
// Proxy-Connection, Proxy-Authenticate and Proxy-Authorization were stripped; the rest (and
// their credentials) reached the Drive API. HTTP2-Settings belongs to an h2c upgrade of this
// hop only (RFC 9113 §3.2.1) and must not be forwarded either.

let origin: Origin
let gw: TestGateway

beforeAll(async () => {
  origin = await startOrigin((_req, res) => res.end('ok'))
  gw = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE: 'off' })
})

afterAll(async () => {
  await gw?.close()
  await origin?.close()
})

it('strips every Proxy-* request field and HTTP2-Settings, keeps look-alikes', async () => {
  const res = await rawRequest(`${gw.url}/files/abc`, {
    headers: [
      'Proxy-Authorization',
      'Basic c2VjcmV0',
      'Proxy-Connection',
      'keep-alive',
      'Proxy-Token',
      'secret-token',
      'PROXY-Client-IP',
      '10.0.0.1',
      'proxy-status',
      'x',
      'HTTP2-Settings',
      'AAMAAABkAAQCAAAAAAIAAAAA',
      'X-Proxy-Hint',
      'kept',
      'Proxyish',
      'kept too',
    ],
  })
  expect(res.status).toBe(200)
  const sent = origin.seen.at(-1)!.rawHeaders
  const names = sent.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase())
  expect(names.filter((n) => n.startsWith('proxy-'))).toEqual([])
  expect(names).not.toContain('http2-settings')
  expect(names).toContain('x-proxy-hint')
  expect(names).toContain('proxyish')
  expect(sent.join('\n')).not.toContain('secret-token')
})
