import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { rawRequest, startOrigin, type Origin } from './helpers/origin.ts'
import { headerValue } from '../src/http/headers.ts'

// RFC 9110 §7.6.2: an intermediary that receives TRACE or OPTIONS with Max-Forwards 0 answers as
// the final recipient; otherwise it forwards the request with the value lowered by one. Other
// methods ignore the field. The gateway used to pass it on untouched.
let origin: Origin
let gw: TestGateway

beforeAll(async () => {
  origin = await startOrigin((_req, res) => res.writeHead(204).end())
  gw = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE: 'off' })
})
afterAll(async () => {
  await gw?.close()
  await origin?.close()
})

const send = (method: string, maxForwards: string) =>
  rawRequest(`${gw.url}/files/abc`, {
    method,
    headers: { 'max-forwards': maxForwards, authorization: 'Bearer secret-token' },
  })

describe('Max-Forwards', () => {
  it('OPTIONS at 0: answered by the gateway with the methods it passes on', async () => {
    const before = origin.seen.length
    const response = await send('OPTIONS', '0')
    expect(response.status).toBe(200)
    expect(headerValue(response.rawHeaders, 'allow')).toBe(
      'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'
    )
    expect(origin.seen.length).toBe(before)
  })

  it('TRACE at 0: the request echoed as message/http, without its credentials', async () => {
    const before = origin.seen.length
    const response = await send('TRACE', '0')
    expect(response.status).toBe(200)
    expect(headerValue(response.rawHeaders, 'content-type')).toBe('message/http')
    const echo = response.body.toString('latin1')
    expect(echo).toMatch(/^TRACE \/files\/abc HTTP\/1\.1\r\n/)
    expect(echo).toMatch(/\r\nmax-forwards: 0\r\n/i)
    expect(echo).not.toContain('secret-token')
    expect(origin.seen.length).toBe(before)
  })

  it('OPTIONS and TRACE above 0: forwarded with the value lowered by one', async () => {
    for (const method of ['OPTIONS', 'TRACE']) {
      await send(method, '3')
      const seen = origin.seen.at(-1)!
      expect(seen.method).toBe(method)
      expect(headerValue(seen.rawHeaders, 'max-forwards')).toBe('2')
    }
  })

  it('any other method: forwarded as sent, even at 0', async () => {
    await send('GET', '0')
    expect(headerValue(origin.seen.at(-1)!.rawHeaders, 'max-forwards')).toBe('0')
  })
})
