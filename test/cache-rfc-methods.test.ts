// Issue 10 item 7: extension methods in a ROUTES_FILE (RFC 9110 §9.1, §5.6.2), and invalidation
// of the target URI by any unsafe or unknown method that succeeds (RFC 9111 §4.4).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'

const CALLER = { authorization: 'Bearer methods' }
const OTHER_CALLER = { authorization: 'Bearer someone-else' }

describe('methods (RFC 9110 §9.1, RFC 9111 §4.4)', () => {
  let origin: Origin
  let gateway: TestGateway
  let client: Client
  const send = (path: string, method = 'GET', headers = CALLER) =>
    client.send(`${gateway.url}${path}`, { method, headers })

  beforeAll(async () => {
    origin = await startOrigin()
    const dir = mkdtempSync(join(tmpdir(), 'dgw-methods-'))
    const file = join(dir, 'routes.yaml')
    writeFileSync(
      file,
      [
        'routes:',
        '  - { methods: [M-SEARCH], template: /devices, kind: lookup }',
        '  - { methods: [GET], template: /devices, kind: lookup }',
      ].join('\n')
    )
    gateway = await startCachingGateway(origin.url, { ROUTES_FILE: file })
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await gateway.close()
    await origin.close()
  })

  it('accepts M-SEARCH in a ROUTES_FILE and routes it by that template', async () => {
    const res = await send('/devices', 'M-SEARCH')
    expect(res.status).toBe(200)
    // An unknown method is not cached: it passes through.
    expect(res.cache).toBe('BYPASS')
    expect(origin.requests.at(-1)?.method).toBe('M-SEARCH')
    const metrics = await gateway.scrape()
    expect(metrics).toMatch(
      /drive_gateway_responses_total\{http_request_method="_OTHER",http_route="\/devices",[^}]*\} 1/
    )
  })

  it.each([['POST'], ['PUT'], ['DELETE'], ['PATCH'], ['M-SEARCH'], ['PURGE']])(
    'a successful %s invalidates the target URI for every caller',
    async (method) => {
      const path = `/files/inv-${method.toLowerCase()}`
      expect((await send(path)).cache).toBe('MISS')
      expect((await send(path, 'GET', OTHER_CALLER)).cache).toBe('MISS')
      expect((await send(path)).cache).toBe('HIT')
      const write = await send(path, method)
      expect(write.status).toBe(200)
      expect((await send(path)).cache).toBe('MISS')
      expect((await send(path, 'GET', OTHER_CALLER)).cache).toBe('MISS')
    }
  )

  it('an unsafe method answered with an error invalidates nothing', async () => {
    const path = '/files/inv-refused'
    await send(path)
    expect((await send(`${path}?status=409`, 'POST')).status).toBe(409)
    // The query differs, but the target path is the same resource; an error changes nothing.
    expect((await send(path)).cache).toBe('HIT')
  })

  it.each([['OPTIONS'], ['TRACE']])('a safe %s invalidates nothing', async (method) => {
    const path = `/files/keep-${method.toLowerCase()}`
    await send(path)
    expect((await send(path, method)).status).toBe(200)
    expect((await send(path)).cache).toBe('HIT')
  })
})
