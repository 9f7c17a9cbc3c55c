import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin, type OriginHandler } from './helpers/cache/origin.ts'

const CALLER = { authorization: 'Bearer stale' }

/** Polls until `check` holds, failing after `ms`. */
async function eventually(check: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`)
    await sleep(20)
  }
}

/** Answers 200 with max-age=1 and the call number, until `status` says otherwise. */
function scripted() {
  const state = { status: 200, delayMs: 0, maxAge: 1 }
  const handler: OriginHandler = async (_req, res, n) => {
    if (state.delayMs > 0) await sleep(state.delayMs)
    const body = JSON.stringify({ n, status: state.status })
    res.writeHead(state.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'cache-control': `max-age=${state.maxAge}`,
    })
    res.end(body)
  }
  return { state, handler }
}

// Each test waits out real lifetimes on its own path; they run side by side.
describe.concurrent('stale-while-revalidate', () => {
  let origin: Origin
  let gateway: TestGateway
  let client: Client
  const send = (path: string, method = 'GET') =>
    client.send(`${gateway.url}${path}`, { method, headers: CALLER })
  const calls = (path: string) => origin.count((r) => r.path === path)

  beforeAll(async () => {
    origin = await startOrigin()
    gateway = await startCachingGateway(origin.url, { CACHE_STALE_SECONDS: '2' })
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await gateway.close()
    await origin.close()
  })

  it('serves STALE within the window while exactly one refresh goes upstream', async ({
    expect,
  }) => {
    const path = '/files/swr1'
    const { state, handler } = scripted()
    origin.on(path, handler)
    const first = await send(path)
    expect(first.cache).toBe('MISS')
    await sleep(1_300)
    // A slow refresh, so the whole burst arrives while it is in flight.
    state.delayMs = 400
    state.maxAge = 30
    const burst = await Promise.all(Array.from({ length: 20 }, () => send(path)))
    for (const res of burst) {
      expect(res.cache).toBe('STALE')
      expect(res.body.equals(first.body)).toBe(true)
      expect(Number(res.headers.age)).toBeGreaterThanOrEqual(1)
    }
    await eventually(() => calls(path) === 2)
    await sleep(600)
    expect(calls(path)).toBe(2)
    const refreshed = await send(path)
    expect(refreshed.cache).toBe('HIT')
    expect(JSON.parse(refreshed.body.toString()).n).not.toBe(JSON.parse(first.body.toString()).n)
  })

  it('refreshes with GET when a HEAD finds the entry stale', async ({ expect }) => {
    const path = '/files/swr-head'
    origin.on(path, scripted().handler)
    await send(path)
    await sleep(1_300)
    const head = await send(path, 'HEAD')
    expect(head.cache).toBe('STALE')
    await eventually(() => calls(path) === 2)
    expect(origin.requests.filter((r) => r.path === path).map((r) => r.method)).toEqual([
      'GET',
      'GET',
    ])
    expect((await send(path)).cache).toBe('HIT')
  })

  it('goes upstream (MISS) once the stale window has passed', async ({ expect }) => {
    const path = '/files/swr-late'
    origin.on(path, scripted().handler)
    await send(path)
    await sleep(3_300)
    expect((await send(path)).cache).toBe('MISS')
    expect(calls(path)).toBe(2)
  })

  it.for([401, 403, 404])(
    'drops the entry at once when the refresh is answered %s',
    async (status, { expect }) => {
      const path = `/files/swr-drop-${status}`
      const { state, handler } = scripted()
      origin.on(path, handler)
      await send(path)
      await sleep(1_300)
      state.status = status
      // The client that triggered the refresh still gets the stored answer; nobody sees the error.
      const stale = await send(path)
      expect([stale.status, stale.cache]).toEqual([200, 'STALE'])
      await eventually(() => calls(path) === 2)
      await sleep(100)
      const after = await send(path)
      expect([after.status, after.cache]).toEqual([status, 'MISS'])
    }
  )

  it.for([500, 503, 598])(
    'keeps the entry until the window ends when the refresh is answered %s',
    async (status, { expect }) => {
      const path = `/files/swr-keep-${status}`
      const { state, handler } = scripted()
      origin.on(path, handler)
      await send(path)
      await sleep(1_300)
      state.status = status
      expect((await send(path)).cache).toBe('STALE')
      await eventually(() => calls(path) === 2)
      await sleep(100)
      const still = await send(path)
      expect([still.status, still.cache]).toEqual([200, 'STALE'])
      await sleep(2_200)
      const late = await send(path)
      expect([late.status, late.cache]).toEqual([status, 'MISS'])
    }
  )
})
