// Issue 10 item 3: a max-age (or s-maxage) that is negative, single-quoted or otherwise not a
// delta-seconds makes the response stale (RFC 9111 §4.2.1, §1.2.2), not fresh for the
// default TTL; a double-quoted one is read like the token form (§5.2).
import { afterAll, beforeAll, describe, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'
import { exactly, servedBy } from './helpers/cache/rfc.ts'

const CALLER = { authorization: 'Bearer invalid-freshness' }

describe.concurrent('invalid freshness is stale (RFC 9111 §4.2.1)', () => {
  let origin: Origin
  let gateway: TestGateway
  let stale: TestGateway
  let client: Client
  const send = (gw: TestGateway, path: string) =>
    client.send(`${gw.url}${path}`, { headers: CALLER })

  beforeAll(async () => {
    origin = await startOrigin()
    // No stale window: a stale entry is not served at all, so "stale" shows as a second MISS.
    gateway = await startCachingGateway(origin.url, { CACHE_STALE_SECONDS: '0' })
    // The default window: a stale entry is served STALE, never HIT.
    stale = await startCachingGateway(origin.url)
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await gateway.close()
    await stale.close()
    await origin.close()
  })

  it.for([
    ['negative', 'max-age=-1'],
    ['single-quoted', "max-age='3600'"],
    ['a fraction', 'max-age=3600.0'],
    ['a unit', 'max-age=3600s'],
    ['a word', 'max-age=soon'],
    ['empty', 'max-age='],
    ['no argument', 'max-age'],
    // s-maxage, even a malformed one, also forbids serving stale (§5.2.2.10).
    ['a negative s-maxage beside a valid max-age', 's-maxage=-1, max-age=3600', 'MISS'],
  ])('%s (%s) is stale at once', async ([name, cc, withWindow = 'STALE'], { expect }) => {
    const path = `/files/invalid-${name!.replace(/\W+/g, '-')}`
    origin.on(path, exactly(['Cache-Control', cc!]))
    const first = await send(gateway, path)
    expect(first.cache).toBe('MISS')
    const second = await send(gateway, path)
    expect(second.cache).toBe('MISS')
    expect(servedBy(second.body)).not.toBe(servedBy(first.body))
    // With a stale window it is served stale (and refreshed), never as a fresh hit.
    await send(stale, path)
    expect((await send(stale, path)).cache).toBe(withWindow)
  })

  it('a double-quoted max-age is read like the token form (§5.2)', async ({ expect }) => {
    const path = '/files/invalid-double-quoted'
    origin.on(path, exactly(['Cache-Control', 'max-age="3600"']))
    await send(gateway, path)
    expect((await send(gateway, path)).cache).toBe('HIT')
  })

  it('no freshness information at all still gets the default TTL (§4.2.2)', async ({ expect }) => {
    const path = '/files/invalid-none'
    origin.on(path, exactly([]))
    await send(gateway, path)
    expect((await send(gateway, path)).cache).toBe('HIT')
  })
})
