// Issue 10 item 1: CACHE_TTL_SECONDS=0 means no heuristic freshness (RFC 9111 §4.2.2): a
// response without max-age, s-maxage or Expires is stored only when it has a validator, with
// zero freshness, kept CACHE_RETAIN_SECONDS for revalidation; without one it is not stored.
// CACHE_STALE_SECONDS=0 serves stale only where the origin allows it (RFC 5861).
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin, type OriginHandler } from './helpers/cache/origin.ts'
import { exactly, servedBy } from './helpers/cache/rfc.ts'

const CALLER = { authorization: 'Bearer origin-only' }

/** 200 with `headers` and a body naming the call; 304 to a matching If-None-Match. */
function withEtag(etag: string, headers: string[] = []): OriginHandler {
  return (req, res, n) => {
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, ['ETag', etag])
      res.end()
      return
    }
    exactly(['ETag', etag, ...headers])(req, res, n)
  }
}

describe.concurrent('origin-only freshness (CACHE_TTL_SECONDS=0, CACHE_STALE_SECONDS=0)', () => {
  let origin: Origin
  let strict: TestGateway
  let shortRetain: TestGateway
  let heuristic: TestGateway
  let client: Client
  const send = (gw: TestGateway, path: string) =>
    client.send(`${gw.url}${path}`, { headers: CALLER })
  const calls = (path: string) => origin.requests.filter((r) => r.path === path)

  beforeAll(async () => {
    origin = await startOrigin()
    const originOnly = { CACHE_TTL_SECONDS: '0', CACHE_STALE_SECONDS: '0' }
    strict = await startCachingGateway(origin.url, originOnly)
    shortRetain = await startCachingGateway(origin.url, {
      ...originOnly,
      CACHE_RETAIN_SECONDS: '1',
    })
    heuristic = await startCachingGateway(origin.url)
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await strict.close()
    await shortRetain.close()
    await heuristic.close()
    await origin.close()
  })

  it('does not store a response with neither freshness nor a validator', async ({ expect }) => {
    const path = '/files/oo-plain'
    origin.on(path, exactly([]))
    const first = await send(strict, path)
    const second = await send(strict, path)
    expect([first.cache, second.cache]).toEqual(['MISS', 'MISS'])
    expect(servedBy(second.body)).not.toBe(servedBy(first.body))
    // The default mode stores it for CACHE_TTL_SECONDS (the out-of-band contract, §4.2.4).
    await send(heuristic, path)
    expect((await send(heuristic, path)).cache).toBe('HIT')
  })

  it('stores one with a validator at zero freshness and revalidates every use', async ({
    expect,
  }) => {
    const path = '/files/oo-etag'
    origin.on(path, withEtag('"e1"'))
    const first = await send(strict, path)
    expect(first.cache).toBe('MISS')
    for (let i = 0; i < 2; i++) {
      const again = await send(strict, path)
      expect(again.cache).toBe('REVALIDATED')
      expect(again.body.equals(first.body)).toBe(true)
    }
    expect(calls(path).map((r) => r.headers['if-none-match'] ?? null)).toEqual([
      null,
      '"e1"',
      '"e1"',
    ])
  })

  it('keeps it only CACHE_RETAIN_SECONDS for revalidation', async ({ expect }) => {
    const path = '/files/oo-retain'
    origin.on(path, withEtag('"r1"'))
    await send(shortRetain, path)
    expect((await send(shortRetain, path)).cache).toBe('REVALIDATED')
    await sleep(3_500)
    expect((await send(shortRetain, path)).cache).toBe('MISS')
    expect(calls(path).at(-1)!.headers['if-none-match']).toBeUndefined()
  })

  it('uses the origin freshness as given', async ({ expect }) => {
    const path = '/files/oo-max-age'
    origin.on(path, exactly(['Cache-Control', 'max-age=30']))
    await send(strict, path)
    expect((await send(strict, path)).cache).toBe('HIT')
  })

  it('serves nothing stale that the origin did not allow', async ({ expect }) => {
    const path = '/files/oo-expired'
    origin.on(path, exactly(['Cache-Control', 'max-age=1']))
    await send(strict, path)
    await sleep(1_300)
    expect((await send(strict, path)).cache).toBe('MISS')
  })

  it('serves stale where the origin allows it (stale-while-revalidate)', async ({ expect }) => {
    const path = '/files/oo-swr'
    origin.on(path, exactly(['Cache-Control', 'max-age=1, stale-while-revalidate=30']))
    await send(strict, path)
    await sleep(1_300)
    expect((await send(strict, path)).cache).toBe('STALE')
  })
})
