import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { waitUntil, type RedisServer } from './helpers/redis-server.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'
import { probeUntil, storeErrors, summary } from './helpers/cache/outage.ts'
import { infoField, startSentinelGroup, type SentinelGroup } from './helpers/cache/redis-modes.ts'
import { ENTRY_FORMAT_VERSION } from '../src/cache/entry.ts'

const PREFIX = 'dgw-ha:'
const CALLER = { authorization: 'Bearer sentinel' }
const path = (resource: string) => `/files/${resource}`

describe('Redis Sentinel: a master, a replica, three Sentinels', () => {
  let group: SentinelGroup
  let upstream: Origin
  let gateway: TestGateway
  let client: Client
  const get = (resource: string) =>
    client.send(`${gateway.url}${path(resource)}`, { headers: CALLER })
  const keysOn = (node: RedisServer) => node.call((c) => c.keys(`${PREFIX}*`))
  const role = (node: RedisServer) =>
    node.call(async (c) => infoField(String(await c.info('replication')), 'role'))
  /** Asynchronous replication: waits until the replica holds what the master holds. */
  const synced = async (master: RedisServer, replica: RedisServer) => {
    const count = (node: RedisServer) => node.call((c) => c.dbsize())
    await expect.poll(() => count(replica)).toBe(await count(master))
  }

  beforeAll(async () => {
    ;[group, upstream] = await Promise.all([startSentinelGroup(), startOrigin()])
    client = createClient()
    gateway = await startCachingGateway(upstream.url, {
      REDIS_URL: '',
      REDIS_MODE: 'sentinel',
      REDIS_NODES: group.seeds,
      REDIS_SENTINEL_NAME: group.name,
      REDIS_KEY_PREFIX: PREFIX,
      CACHE_STORE_TIMEOUT_MS: '500',
      CACHE_BREAKER_COOLDOWN_MS: '200',
    })
  })
  afterAll(async () => {
    await gateway?.close()
    await client?.close()
    await Promise.all([group?.stop(), upstream?.close()])
  })

  it('caches in the master the Sentinels name, and invalidates on writes', async () => {
    for (const resource of ['a', 'b']) {
      expect((await get(resource)).cache).toBe('MISS')
      expect((await get(resource)).cache).toBe('HIT')
    }
    expect((await keysOn(group.master)).length).toBeGreaterThan(0)
    await client.send(`${gateway.url}${path('a')}`, { method: 'DELETE', headers: CALLER })
    expect((await get('a')).cache).toBe('MISS')
    expect((await get('a')).cache).toBe('HIT')
    expect(storeErrors(await gateway.scrape())).toBe(0)
  })

  it('answers every request while the master dies, and HITs from the promoted replica with no restart', async () => {
    const { master, replica } = group
    await synced(master, replica)
    const errorsBefore = storeErrors(await gateway.scrape())
    const paths = [path('a'), path('b')]

    const killedAt = performance.now()
    await master.kill()
    const run = await probeUntil(
      client,
      gateway.url,
      paths,
      CALLER,
      (r) => paths.every((p) => r.firstHit(p, killedAt) !== undefined),
      { maxMs: 20_000 }
    )
    for (const probe of run.probes) expect(probe.status).toBe(200)
    expect(run.probes.some((p) => p.cache === 'UNAVAILABLE' || p.cache === 'MISS')).toBe(true)
    expect(storeErrors(await gateway.scrape())).toBeGreaterThan(errorsBefore)
    expect(await group.masterPort()).toBe(replica.port)
    expect(await role(replica)).toBe('master')
    const hitAgain = Math.max(...paths.map((p) => run.firstHit(p, killedAt)!.at))
    console.log(
      `sentinel, master killed (down-after-milliseconds 500): ${summary(run.probes)};` +
        ` first HIT ${Math.round(hitAgain - killedAt)} ms after the kill`
    )
  })

  it('moves with a switch-over back to the old master (SENTINEL FAILOVER), writes included', async () => {
    const { master: old, replica: current } = group
    // The old master returns empty; as an operator would, make it a replica of the new one.
    await old.restart()
    await old.call((c) => c.call('REPLICAOF', '127.0.0.1', String(current.port)))
    await synced(current, old)
    await expect.poll(() => role(old)).toBe('slave')

    const switchedAt = performance.now()
    // Refused (NOGOODSLAVE) until the Sentinel has seen the old master serve as a sound replica.
    await waitUntil(
      () =>
        group.sentinels[0]!.call(async (c) => {
          await c.call('SENTINEL', 'FAILOVER', group.name)
          return true
        }),
      'SENTINEL FAILOVER accepted'
    )
    await expect.poll(() => group.masterPort(), { timeout: 15_000 }).toBe(old.port)
    // The demoted master still takes writes until the Sentinels reconfigure it, seconds later:
    // the gateway must leave it when the Sentinels announce the switch, not then.
    await expect
      .poll(() => old.call(async (c) => String(await c.call('CLIENT', 'LIST'))), { timeout: 3_000 })
      .toMatch(/ name=drive-gateway /)
    const movedAt = performance.now()
    // A new entry is written to, and read from, the master the Sentinels name now.
    const run = await probeUntil(
      client,
      gateway.url,
      [path('c')],
      CALLER,
      (r) => r.firstHit(path('c'), switchedAt) !== undefined,
      { maxMs: 15_000 }
    )
    for (const probe of run.probes) expect(probe.status).toBe(200)
    expect((await keysOn(old)).some((k) => k.includes(`{r:c}:e${ENTRY_FORMAT_VERSION}:`))).toBe(
      true
    )
    expect((await get('a')).cache).toBe('HIT')
    console.log(
      `sentinel, SENTINEL FAILOVER back: gateway on the new master` +
        ` ${Math.round(movedAt - switchedAt)} ms after the command; ${summary(run.probes)};` +
        ` new entry HIT ${Math.round(run.firstHit(path('c'))!.at - switchedAt)} ms after it`
    )
  })
})
