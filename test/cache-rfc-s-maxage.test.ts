// Issue 10 item 2: s-maxage implies proxy-revalidate for this shared cache (RFC 9111 §5.2.2.10),
// so such a response is never served stale, whatever the stale window or the origin's
// stale-while-revalidate say; and it wins over max-age for freshness (§4.2.1).
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'
import { exactly, servedBy } from './helpers/cache/rfc.ts'

const CALLER = { authorization: 'Bearer s-maxage' }

describe.concurrent('s-maxage (RFC 9111 §5.2.2.10)', () => {
  let origin: Origin
  let gateway: TestGateway
  let client: Client
  const send = (path: string, headers: Record<string, string> = {}) =>
    client.send(`${gateway.url}${path}`, { headers: { ...CALLER, ...headers } })
  const calls = (path: string) => origin.count((r) => r.path === path)

  beforeAll(async () => {
    origin = await startOrigin()
    // A generous gateway stale window: s-maxage must override it.
    gateway = await startCachingGateway(origin.url, { CACHE_STALE_SECONDS: '60' })
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await gateway.close()
    await origin.close()
  })

  it.for([
    ['/files/smax-plain', 's-maxage=1'],
    ['/files/smax-swr', 's-maxage=1, stale-while-revalidate=60'],
    ['/files/smax-sie', 's-maxage=1, stale-if-error=60'],
  ])('%s (%s) is never served stale', async ([path, cc], { expect }) => {
    origin.on(path!, exactly(['Cache-Control', cc!]))
    const first = await send(path!)
    expect(first.cache).toBe('MISS')
    // (That it is stored while fresh is shown below, with a longer s-maxage: a one-second
    // lifetime can pass before a second request on a loaded machine.)
    await sleep(1_300)
    const after = await send(path!)
    expect(after.cache).toBe('MISS')
    expect(servedBy(after.body)).not.toBe(servedBy(first.body))
    expect(calls(path!)).toBe(2)
  })

  it('while max-age alone is served stale within the window', async ({ expect }) => {
    const path = '/files/smax-contrast'
    origin.on(path, exactly(['Cache-Control', 'max-age=1']))
    await send(path)
    await sleep(1_300)
    expect((await send(path)).cache).toBe('STALE')
  })

  it('s-maxage wins over max-age for this shared cache (§4.2.1)', async ({ expect }) => {
    const path = '/files/smax-wins'
    origin.on(path, exactly(['Cache-Control', 'max-age=0, s-maxage=30']))
    await send(path)
    const again = await send(path)
    expect(again.cache).toBe('HIT')
    expect(calls(path)).toBe(1)
  })

  it('is not served stale to a client that sends max-stale (§4.2.4)', async ({ expect }) => {
    const path = '/files/smax-max-stale'
    origin.on(path, exactly(['Cache-Control', 's-maxage=1']))
    await send(path)
    await sleep(1_300)
    expect((await send(path, { 'cache-control': 'max-stale=600' })).cache).toBe('MISS')
  })
})
