import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Answer, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'

const CALLER = { authorization: 'Bearer coalesce' }

/** Rejects when `promise` has not settled within `ms`: a regression fails fast. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not done within ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

const tally = (answers: Answer[]) => {
  const counts: Record<string, number> = {}
  for (const a of answers) counts[a.cache ?? 'none'] = (counts[a.cache ?? 'none'] ?? 0) + 1
  return counts
}

describe('coalescing concurrent misses', () => {
  let origin: Origin
  let gateway: TestGateway
  let client: Client
  const send = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    client.send(`${gateway.url}${path}`, { method, headers: { ...CALLER, ...headers } })

  beforeAll(async () => {
    origin = await startOrigin()
    gateway = await startCachingGateway(origin.url, {
      UPSTREAM_TIMEOUT_MS: '1000',
      CACHE_MAX_ENTRY_BYTES: '100000',
    })
    client = createClient({ connections: 200 })
  })
  afterAll(async () => {
    await client.close()
    await gateway.close()
    await origin.close()
  })

  it('sends 100 concurrent misses on one key upstream once; all get the same answer', async () => {
    const path = '/files/herd1?delay=300'
    const answers = await within(10_000, Promise.all(Array.from({ length: 100 }, () => send(path))))
    expect(origin.count((r) => r.path === '/files/herd1')).toBe(1)
    expect(answers.every((a) => a.status === 200 && a.body.equals(answers[0]!.body))).toBe(true)
    expect(tally(answers).MISS).toBe(1)
    expect(answers.filter((a) => a.cache !== 'MISS').every((a) => a.cache === 'COALESCED')).toBe(
      true
    )
  })

  it('gives a waiter the answer only when the fields its Vary lists match (RFC 9111 §4.1)', async () => {
    const varying = (vary: string) =>
      `/files/varied-${vary === '*' ? 'star' : 'tenant'}?delay=300&headers=${encodeURIComponent(JSON.stringify({ vary }))}`
    const n = (a: Answer) => (JSON.parse(a.body.toString()) as { n: number }).n
    const path = varying('X-Tenant')
    const leader = send(path, { 'x-tenant': 'a' })
    await new Promise((resolve) => setTimeout(resolve, 50))
    const [first, same, other] = await within(
      5_000,
      Promise.all([leader, send(path, { 'x-tenant': 'a' }), send(path, { 'x-tenant': 'b' })])
    )
    expect(first!.cache).toBe('MISS')
    expect(same!.cache).toBe('COALESCED')
    expect(n(same!)).toBe(n(first!))
    expect(other!.cache).toBe('MISS')
    expect(n(other!)).not.toBe(n(first!))
    expect(origin.count((r) => r.path === '/files/varied-tenant')).toBe(2)

    // `Vary: *`: no two requests are the same variant.
    const star = varying('*')
    const starLeader = send(star)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const answers = await within(5_000, Promise.all([starLeader, send(star), send(star)]))
    expect(answers.map((a) => a.cache)).toEqual(['MISS', 'MISS', 'MISS'])
    expect(origin.count((r) => r.path === '/files/varied-star')).toBe(3)
  })

  it('shares a response that is not storable and releases waiters at once (no lock wait)', async () => {
    const path = '/files/herd404?status=404&delay=300'
    // nginx's cache lock would hold these up to 5 s; here they end with the leader.
    const answers = await within(2_500, Promise.all(Array.from({ length: 50 }, () => send(path))))
    expect(origin.count((r) => r.path === '/files/herd404')).toBe(1)
    expect(answers.every((a) => a.status === 404 && a.body.equals(answers[0]!.body))).toBe(true)
    expect(tally(answers)).toEqual({ MISS: 1, COALESCED: 49 })
    // Not stored: the next request goes upstream again.
    expect((await send(path)).cache).toBe('MISS')
    expect(origin.count((r) => r.path === '/files/herd404')).toBe(2)
  })

  it('shares a streamed answer that is not storable (an error without a length)', async () => {
    const path = '/files/herd500s?status=500&chunked=1&size=40000&delay=300'
    const answers = await within(5_000, Promise.all(Array.from({ length: 10 }, () => send(path))))
    expect(answers.every((a) => a.status === 500 && a.body.equals(answers[0]!.body))).toBe(true)
    expect(answers[0]!.body.length).toBe(40_000)
    expect(origin.count((r) => r.path === '/files/herd500s')).toBe(1)
  })

  it('shares a gateway-made error (upstream timeout) the same way', async () => {
    const path = '/files/herd504?delay=2500'
    const answers = await within(5_000, Promise.all(Array.from({ length: 10 }, () => send(path))))
    expect(answers.every((a) => a.status === 504)).toBe(true)
    expect(origin.count((r) => r.path === '/files/herd504')).toBe(1)
  })

  it('lets waiters make their own call when a streamed body outgrows the entry cap', async () => {
    const path = '/files/herdbig?size=300000&chunked=1&delay=200'
    const answers = await within(10_000, Promise.all(Array.from({ length: 5 }, () => send(path))))
    for (const a of answers) {
      expect(a.status).toBe(200)
      expect(a.body.length).toBe(300_000)
    }
    expect(origin.count((r) => r.path === '/files/herdbig')).toBeGreaterThan(1)
  })

  it('shares a streamed body under the cap once it is complete', async () => {
    const path = '/files/herdstream?size=90000&chunked=1&delay=200'
    const answers = await within(10_000, Promise.all(Array.from({ length: 10 }, () => send(path))))
    expect(answers.every((a) => a.body.length === 90_000 && a.body.equals(answers[0]!.body))).toBe(
      true
    )
    expect(origin.count((r) => r.path === '/files/herdstream')).toBe(1)
    // Each carries its own request id and status once, never the leader's.
    const ids = answers.map((a) => a.headers['x-request-id'])
    expect(ids.every((id) => typeof id === 'string')).toBe(true)
    expect(new Set(ids).size).toBe(answers.length)
    expect(answers.every((a) => a.cache === 'MISS' || a.cache === 'COALESCED')).toBe(true)
    const hit = await send(path)
    expect([hit.cache, typeof hit.headers['x-request-id']]).toEqual(['HIT', 'string'])
  })

  it("does not cancel the shared call when the leader's client leaves", async () => {
    const path = '/files/herdleave?delay=400'
    const leader = new AbortController()
    const leaderDone = client
      .send(`${gateway.url}${path}`, { headers: CALLER, signal: leader.signal })
      .catch((error: Error) => error)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const waiters = Array.from({ length: 5 }, () => send(path))
    await new Promise((resolve) => setTimeout(resolve, 50))
    leader.abort()
    const answers = await within(5_000, Promise.all(waiters))
    expect(await leaderDone).toBeInstanceOf(Error)
    expect(answers.every((a) => a.status === 200 && a.cache === 'COALESCED')).toBe(true)
    expect(origin.count((r) => r.path === '/files/herdleave')).toBe(1)
    expect((await send(path)).cache).toBe('HIT')
  })

  it('lets a HEAD share a GET call, never the reverse', async () => {
    const path = '/files/herdhead?delay=300'
    const get = send(path)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const head = await send(path, {}, 'HEAD')
    expect(head.cache).toBe('COALESCED')
    expect(head.body.length).toBe(0)
    expect((await get).body.length).toBeGreaterThan(0)
    expect(origin.count((r) => r.path === '/files/herdhead')).toBe(1)

    const headFirst = send('/files/herdhead2?delay=300', {}, 'HEAD')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const getAfter = await send('/files/herdhead2?delay=300')
    expect(getAfter.cache).toBe('MISS')
    expect(getAfter.body.length).toBeGreaterThan(0)
    await headFirst
    expect(origin.count((r) => r.path === '/files/herdhead2')).toBe(2)
  })

  it('does not share answers to conditional requests', async () => {
    const path = '/files/herdcond?delay=300'
    const plain = send(path)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const conditional = await send(path, { 'if-none-match': '"x"' })
    expect(conditional.cache).toBe('MISS')
    await plain
    expect(origin.count((r) => r.path === '/files/herdcond')).toBe(2)
  })
})
