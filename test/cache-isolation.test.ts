import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Answer, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'

interface Echo {
  path: string
  caller: string | null
  consumerKey: string | null
  n: number
}
const echo = (res: Answer) => JSON.parse(res.body.toString('utf8')) as Echo

/** A small seeded PRNG (mulberry32), so a failing run can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('one caller is never served another caller’s entry', () => {
  let origin: Origin
  let gateway: TestGateway
  let client: Client
  beforeAll(async () => {
    origin = await startOrigin()
    gateway = await startCachingGateway(origin.url)
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await gateway.close()
    await origin.close()
  })

  it('sends the same lookup by two tokens upstream twice, each answer to its caller', async () => {
    const a = { authorization: 'Bearer alice' }
    const b = { authorization: 'Bearer bob' }
    const url = `${gateway.url}/files/shared1`
    const [a1, b1] = [
      await client.send(url, { headers: a }),
      await client.send(url, { headers: b }),
    ]
    const [a2, b2] = [
      await client.send(url, { headers: a }),
      await client.send(url, { headers: b }),
    ]
    expect([a1.cache, b1.cache, a2.cache, b2.cache]).toEqual(['MISS', 'MISS', 'HIT', 'HIT'])
    expect(origin.count((r) => r.path === '/files/shared1')).toBe(2)
    expect(echo(a2).caller).toBe('Bearer alice')
    expect(echo(b2).caller).toBe('Bearer bob')
  })

  it('separates the same token with different consumer keys (API 1.0)', async () => {
    const url = `${gateway.url}/files/shared2`
    const one = { authorization: 'Bearer server-token', consumerKey: 'app-one' }
    const two = { authorization: 'Bearer server-token', consumerKey: 'app-two' }
    await client.send(url, { headers: one })
    const res = await client.send(url, { headers: two })
    expect(res.cache).toBe('MISS')
    expect(echo(res).consumerKey).toBe('app-two')
    expect(echo(await client.send(url, { headers: one })).consumerKey).toBe('app-one')
    expect(origin.count((r) => r.path === '/files/shared2')).toBe(2)
  })

  it('keeps many callers apart over many resources, concurrently (randomized)', async () => {
    const seed = Number(process.env.CACHE_TEST_SEED ?? Date.now() % 1e9)
    const next = random(seed)
    const callers = Array.from({ length: 12 }, (_, i) => ({
      authorization: `Bearer caller-${i}`,
      // Half share a token and differ only by consumer key.
      consumerKey: `ck-${i % 2 === 0 ? i : i - 1}`,
    }))
    callers.forEach((c, i) => {
      if (i % 2 === 1) c.authorization = callers[i - 1]!.authorization
    })
    const resources = Array.from({ length: 8 }, (_, i) => `/files/rnd-${seed}-${i}`)
    const plan = Array.from({ length: 600 }, () => ({
      caller: callers[Math.floor(next() * callers.length)]!,
      path: resources[Math.floor(next() * resources.length)]!,
    }))
    const pairs = new Set(
      plan.map((p) => `${p.caller.authorization}|${p.caller.consumerKey}|${p.path}`)
    )
    const answers: { sent: (typeof plan)[number]; res: Answer }[] = []
    for (let i = 0; i < plan.length; i += 40) {
      const batch = plan.slice(i, i + 40)
      const results = await Promise.all(
        batch.map((sent) => client.send(`${gateway.url}${sent.path}`, { headers: sent.caller }))
      )
      batch.forEach((sent, j) => answers.push({ sent, res: results[j]! }))
    }
    for (const { sent, res } of answers) {
      const body = echo(res)
      expect(res.status, `seed ${seed}`).toBe(200)
      expect([body.caller, body.consumerKey, body.path], `seed ${seed}`).toEqual([
        sent.caller.authorization,
        sent.caller.consumerKey,
        sent.path,
      ])
    }
    // Each (caller, resource) went upstream exactly once, concurrent duplicates included.
    const upstream = origin.count((r) => r.path.startsWith(`/files/rnd-${seed}-`))
    expect(upstream, `seed ${seed}`).toBe(pairs.size)
  })
})
