// Issue 10 item 5: the origin's stale-while-revalidate and stale-if-error (RFC 5861), which
// replace CACHE_STALE_SECONDS for their response, and the request directives max-age,
// min-fresh, max-stale, no-cache and only-if-cached (RFC 9111 §5.2.1).
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin, type OriginHandler } from './helpers/cache/origin.ts'
import { exactly, servedBy } from './helpers/cache/rfc.ts'

const CALLER = { authorization: 'Bearer directives' }

/** `exactly(headers)` until `failWith` is set, then that status (or a hang past the timeout). */
function failing(headers: string[]) {
  const state: { failWith: number | 'hang' | undefined } = { failWith: undefined }
  const handler: OriginHandler = async (req, res, n) => {
    if (state.failWith === undefined) return exactly(headers)(req, res, n)
    if (state.failWith === 'hang') await sleep(1_500)
    const status = state.failWith === 'hang' ? 200 : state.failWith
    const body = JSON.stringify({ domain: 'drive', code: `E${status}`, message: 'failing' })
    res.writeHead(status, ['Content-Type', 'application/json', 'Content-Length', `${body.length}`])
    res.end(body)
  }
  return { state, handler }
}

describe.concurrent('origin stale directives and request directives', () => {
  let origin: Origin
  let noWindow: TestGateway
  let wide: TestGateway
  let client: Client
  const send = (gw: TestGateway, path: string, cc?: string) =>
    client.send(`${gw.url}${path}`, {
      headers: { ...CALLER, ...(cc !== undefined && { 'cache-control': cc }) },
    })
  const calls = (path: string) => origin.count((r) => r.path === path)

  beforeAll(async () => {
    origin = await startOrigin()
    noWindow = await startCachingGateway(origin.url, {
      CACHE_STALE_SECONDS: '0',
      UPSTREAM_TIMEOUT_MS: '500',
      UPSTREAM_RETRIES: '0',
    })
    wide = await startCachingGateway(origin.url, { CACHE_STALE_SECONDS: '60' })
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await noWindow.close()
    await wide.close()
    await origin.close()
  })

  describe('stale-while-revalidate (RFC 5861 §3)', () => {
    it('serves stale where CACHE_STALE_SECONDS would not', async ({ expect }) => {
      const path = '/files/dir-swr'
      origin.on(path, exactly(['Cache-Control', 'max-age=1, stale-while-revalidate=30']))
      await send(noWindow, path)
      await sleep(1_300)
      expect((await send(noWindow, path)).cache).toBe('STALE')
    })

    it('replaces a wider CACHE_STALE_SECONDS for its response', async ({ expect }) => {
      const path = '/files/dir-swr-narrow'
      origin.on(path, exactly(['Cache-Control', 'max-age=1, stale-while-revalidate=1']))
      await send(wide, path)
      await sleep(2_300)
      expect((await send(wide, path)).cache).toBe('MISS')
    })
  })

  describe('stale-if-error (RFC 5861 §4)', () => {
    it.for([500, 502, 503, 504])(
      'serves the stale entry when the origin answers %i',
      async (status, { expect }) => {
        const path = `/files/dir-sie-${status}`
        const { state, handler } = failing(['Cache-Control', 'max-age=1, stale-if-error=30'])
        origin.on(path, handler)
        const first = await send(noWindow, path)
        await sleep(1_300)
        state.failWith = status
        const answer = await send(noWindow, path)
        expect([answer.status, answer.cache]).toEqual([200, 'STALE'])
        expect(answer.body.equals(first.body)).toBe(true)
        expect(calls(path)).toBe(2)
      }
    )

    it('serves it when the gateway times out (UPSTREAM_TIMEOUT)', async ({ expect }) => {
      const path = '/files/dir-sie-timeout'
      const { state, handler } = failing(['Cache-Control', 'max-age=1, stale-if-error=30'])
      origin.on(path, handler)
      const first = await send(noWindow, path)
      await sleep(1_300)
      state.failWith = 'hang'
      const answer = await send(noWindow, path)
      expect([answer.status, answer.cache]).toEqual([200, 'STALE'])
      expect(answer.body.equals(first.body)).toBe(true)
    })

    it.for([598, 429])(
      'passes %i through: it is not an origin failure',
      async (status, { expect }) => {
        const path = `/files/dir-sie-${status}`
        const { state, handler } = failing(['Cache-Control', 'max-age=1, stale-if-error=30'])
        origin.on(path, handler)
        await send(noWindow, path)
        await sleep(1_300)
        state.failWith = status
        const answer = await send(noWindow, path)
        expect([answer.status, answer.cache]).toEqual([status, 'MISS'])
      }
    )

    it('never serves stale what s-maxage or must-revalidate forbids', async ({ expect }) => {
      const path = '/files/dir-sie-forbidden'
      const { state, handler } = failing([
        'Cache-Control',
        'max-age=1, must-revalidate, stale-if-error=30',
      ])
      origin.on(path, handler)
      await send(noWindow, path)
      await sleep(1_300)
      state.failWith = 503
      expect((await send(noWindow, path)).status).toBe(503)
    })
  })

  describe('request directives (RFC 9111 §5.2.1)', () => {
    it('max-age: an older entry is not used (§5.2.1.1)', async ({ expect }) => {
      const path = '/files/dir-req-max-age'
      origin.on(path, exactly(['Cache-Control', 'max-age=60']))
      await send(noWindow, path)
      expect((await send(noWindow, path, 'max-age=30')).cache).toBe('HIT')
      await sleep(1_200)
      expect((await send(noWindow, path, 'max-age=1')).cache).toBe('MISS')
    })

    it('min-fresh: an entry fresh for less than N is not used (§5.2.1.3)', async ({ expect }) => {
      const path = '/files/dir-req-min-fresh'
      origin.on(path, exactly(['Cache-Control', 'max-age=20']))
      await send(noWindow, path)
      expect((await send(noWindow, path, 'min-fresh=5')).cache).toBe('HIT')
      expect((await send(noWindow, path, 'min-fresh=60')).cache).toBe('MISS')
    })

    it('max-stale: a stale entry is accepted within N seconds (§5.2.1.2)', async ({ expect }) => {
      const path = '/files/dir-req-max-stale'
      // An ETag keeps the entry stored past its lifetime (CACHE_RETAIN_SECONDS).
      origin.on(path, exactly(['Cache-Control', 'max-age=1', 'ETag', '"ms"']))
      await send(noWindow, path)
      await sleep(1_300)
      expect((await send(noWindow, path, 'max-stale=60')).cache).toBe('STALE')
      expect((await send(noWindow, path, 'max-stale')).cache).toBe('STALE')
    })

    it('no-cache: revalidates, and the answer is stored (never bypasses storage, §5.2.1.4)', async ({
      expect,
    }) => {
      const path = '/files/dir-req-no-cache'
      origin.on(path, exactly(['Cache-Control', 'max-age=60']))
      const first = await send(noWindow, path)
      const forced = await send(noWindow, path, 'no-cache')
      expect(forced.cache).toBe('MISS')
      expect(servedBy(forced.body)).not.toBe(servedBy(first.body))
      const after = await send(noWindow, path)
      expect(after.cache).toBe('HIT')
      expect(after.body.equals(forced.body)).toBe(true)
    })

    it('no-cache with a validator: a conditional request, REVALIDATED', async ({ expect }) => {
      const path = '/files/dir-req-no-cache-etag'
      origin.on(path, (req, res, n) => {
        if (req.headers['if-none-match'] === '"nc"') {
          res.writeHead(304, ['ETag', '"nc"'])
          res.end()
          return
        }
        exactly(['Cache-Control', 'max-age=60', 'ETag', '"nc"'])(req, res, n)
      })
      const first = await send(noWindow, path)
      const forced = await send(noWindow, path, 'no-cache')
      expect(forced.cache).toBe('REVALIDATED')
      expect(forced.body.equals(first.body)).toBe(true)
    })

    it('only-if-cached: a stored answer, or 504 NOT_CACHED without calling the origin (§5.2.1.7)', async ({
      expect,
    }) => {
      const path = '/files/dir-req-only-if-cached'
      origin.on(path, exactly(['Cache-Control', 'max-age=1']))
      const none = await send(noWindow, path, 'only-if-cached')
      expect(none.status).toBe(504)
      expect(JSON.parse(none.body.toString())).toEqual({
        domain: 'gateway',
        code: 'NOT_CACHED',
        message: expect.any(String),
      })
      expect(calls(path)).toBe(0)
      await send(noWindow, path)
      expect((await send(noWindow, path, 'only-if-cached')).cache).toBe('HIT')
      await sleep(1_300)
      expect((await send(noWindow, path, 'only-if-cached')).status).toBe(504)
      expect(calls(path)).toBe(1)
      const metrics = await noWindow.scrape()
      expect(metrics).toMatch(/drive_error_code="NOT_CACHED"/)
    })

    it('only-if-cached on a stale entry served in the stale window: no background refresh either', async ({
      expect,
    }) => {
      const path = '/files/dir-req-only-if-cached-stale'
      origin.on(path, exactly(['Cache-Control', 'max-age=1']))
      await send(wide, path)
      await sleep(1_300)
      expect((await send(wide, path, 'only-if-cached')).cache).toBe('STALE')
      await sleep(300)
      expect(calls(path)).toBe(1)
      // Without the directive the same stale use does refresh in the background.
      expect((await send(wide, path)).cache).toBe('STALE')
      await expect.poll(() => calls(path)).toBe(2)
    })

    it('no-store: bypasses the cache', async ({ expect }) => {
      const path = '/files/dir-req-no-store'
      origin.on(path, exactly(['Cache-Control', 'max-age=60']))
      expect((await send(noWindow, path, 'no-store')).cache).toBe('BYPASS')
      expect((await send(noWindow, path)).cache).toBe('MISS')
    })
  })
})
