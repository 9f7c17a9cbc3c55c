import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import type { RedisServer } from './helpers/redis-server.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin } from './helpers/cache/origin.ts'
import { probeUntil, storeErrors, summary } from './helpers/cache/outage.ts'
import { infoField, startRedisCluster, type RedisCluster } from './helpers/cache/redis-modes.ts'
import { ENTRY_FORMAT_VERSION } from '../src/cache/entry.ts'

// A fixed prefix (this cluster is the file's own), so which node holds which resource is the
// same on every run.
const PREFIX = 'dgw-ha:'
const CALLER = { authorization: 'Bearer cluster' }
const RESOURCES = Array.from({ length: 12 }, (_, i) => `res${i}`)
const path = (resource: string) => `/files/${resource}`

describe('Redis Cluster: three masters, one with a replica', () => {
  let cluster: RedisCluster
  let upstream: Origin
  let gateway: TestGateway
  let client: Client
  const get = (resource: string) =>
    client.send(`${gateway.url}${path(resource)}`, { headers: CALLER })
  /** The master now serving a resource's hash tag. */
  const holder = async (resource: string): Promise<RedisServer> => {
    const port = await cluster.ownerOf(await cluster.keySlot(`${PREFIX}{r:${resource}}`))
    return [...cluster.masters, ...cluster.replicas].find((s) => s.port === port)!
  }
  const keysOn = (node: RedisServer) => node.call(async (c) => (await c.keys(`${PREFIX}*`)).sort())

  beforeAll(async () => {
    ;[cluster, upstream] = await Promise.all([startRedisCluster({ replicaOf: [0] }), startOrigin()])
    client = createClient()
    gateway = await startCachingGateway(upstream.url, {
      REDIS_URL: '',
      REDIS_MODE: 'cluster',
      REDIS_NODES: cluster.seeds,
      REDIS_KEY_PREFIX: PREFIX,
      CACHE_STORE_TIMEOUT_MS: '500',
      CACHE_BREAKER_COOLDOWN_MS: '200',
    })
  })
  afterAll(async () => {
    await gateway?.close()
    await client?.close()
    await Promise.all([cluster?.stop(), upstream?.close()])
  })

  it('connects to every master before it reports ready, so the first requests find the store', async () => {
    // Before any request: the start-up wait opened a connection to each master, not only to the
    // node it read the slot map from.
    for (const master of cluster.masters) {
      const clients = await master.call(async (c) => String(await c.call('CLIENT', 'LIST')))
      expect(clients, `connections on master :${master.port}`).toMatch(/ name=drive-gateway /)
    }
    const first = await Promise.all(RESOURCES.map(get))
    expect(first.map((a) => `${a.status} ${a.cache}`)).toEqual(RESOURCES.map(() => '200 MISS'))
    expect(storeErrors(await gateway.scrape())).toBe(0)
  })

  it("spreads resources over the masters while one resource's keys share a slot", async () => {
    for (const resource of RESOURCES) expect((await get(resource)).cache).toBe('HIT')
    const byNode = await Promise.all(cluster.masters.map(keysOn))
    const nodesHolding = new Map<string, Set<number>>()
    for (const [i, keys] of byNode.entries()) {
      for (const key of keys) {
        const resource = /\{r:(res\d+)\}/.exec(key)?.[1]
        if (!resource) continue
        const nodes = nodesHolding.get(resource) ?? new Set()
        nodesHolding.set(resource, nodes.add(i))
      }
    }
    expect([...nodesHolding.keys()].sort()).toEqual([...RESOURCES].sort())
    // Each resource on exactly one master, every master holding some.
    for (const nodes of nodesHolding.values()) expect(nodes.size).toBe(1)
    expect(new Set([...nodesHolding.values()].flatMap((s) => [...s])).size).toBe(3)
    // An entry and its resource's generation hash to one slot (the `{r:…}` tag).
    const entry = byNode.flat().find((k) => k.includes(`{r:res1}:e${ENTRY_FORMAT_VERSION}:`))!
    expect(await cluster.keySlot(entry)).toBe(await cluster.keySlot(`${PREFIX}{r:res1}:g`))
    expect(await cluster.keySlot(entry)).not.toBe(await cluster.keySlot(`${PREFIX}{r:res2}:g`))
    // A write through the gateway bumps the generation on the node of that slot.
    await client.send(`${gateway.url}${path('res1')}`, { method: 'DELETE', headers: CALLER })
    expect((await get('res1')).cache).toBe('MISS')
    expect((await get('res1')).cache).toBe('HIT')
    expect(storeErrors(await gateway.scrape())).toBe(0)
  })

  it('follows a MOVED redirection when a slot migrates to another master', async () => {
    const slot = await cluster.keySlot(`${PREFIX}{r:res0}`)
    const from = await holder('res0')
    const to = cluster.masters.find((m) => m !== from)!
    const moved = () =>
      from.call(async (c) =>
        Number(infoField(String(await c.info('errorstats')), 'errorstat_MOVED')?.split('=')[1] ?? 0)
      )
    const movedBefore = await moved()
    await cluster.migrateSlot(slot, from, to)
    expect((await keysOn(to)).some((k) => k.includes(`{r:res0}:e${ENTRY_FORMAT_VERSION}:`))).toBe(
      true
    )
    // The gateway still maps the slot to the old master, which answers MOVED; the entry is
    // found on the new one.
    const answer = await get('res0')
    expect(`${answer.status} ${answer.cache}`).toBe('200 HIT')
    expect(await moved()).toBeGreaterThan(movedBefore)
    expect(await holder('res0')).toBe(to)
    expect(storeErrors(await gateway.scrape())).toBe(0)
  })

  it('answers every request while a master without a replica is down, and HITs again once it is back', async () => {
    const lone = cluster.masters[2]!
    const onLone = (await holderOf(RESOURCES, lone))[0]!
    const elsewhere = RESOURCES.find((r) => r !== onLone && r !== 'res1')!
    for (const r of [onLone, elsewhere]) expect((await get(r)).cache).toBe('HIT')
    const errorsBefore = storeErrors(await gateway.scrape())
    const paths = [path(onLone), path(elsewhere)]

    const killedAt = performance.now()
    await lone.kill()
    // Down long enough for the others to mark it failed (`cluster-node-timeout` 500 ms) and the
    // whole cluster to refuse commands, as it does without full slot coverage.
    const down = await probeUntil(
      client,
      gateway.url,
      paths,
      CALLER,
      () => performance.now() - killedAt > 1_500
    )
    await lone.restart()
    const backAt = performance.now()
    const run = await probeUntil(
      client,
      gateway.url,
      paths,
      CALLER,
      (r) => paths.every((p) => r.firstHit(p, backAt) !== undefined),
      { maxMs: 15_000 }
    )
    // Every request answered, never by a 5xx: the cache fails open and counts it.
    for (const probe of [...down.probes, ...run.probes]) expect(probe.status).toBe(200)
    expect(down.probes.some((p) => p.cache === 'UNAVAILABLE' || p.cache === 'MISS')).toBe(true)
    expect(storeErrors(await gateway.scrape())).toBeGreaterThan(errorsBefore)
    const hitAgain = Math.max(...paths.map((p) => run.firstHit(p, backAt)!.at))
    console.log(
      `cluster, master without replica killed: down 1.5 s, ${summary(down.probes)};` +
        ` after restart ${summary(run.probes)}; first HIT on every node` +
        ` ${Math.round(hitAgain - backAt)} ms after the master returned` +
        ` (${Math.round(hitAgain - killedAt)} ms after the kill)`
    )
    await cluster.healthy()
  })

  it('answers every request while a master fails over to its replica, and HITs resume without it', async () => {
    const master = cluster.masters[0]!
    const replica = cluster.replicas[0]!
    const onMaster = (await holderOf(RESOURCES, master))[0]!
    expect((await get(onMaster)).cache).toBe('HIT')
    // Asynchronous replication: wait until the replica has what the master has.
    const count = (node: RedisServer) => node.call((c) => c.dbsize())
    await expect.poll(() => count(replica)).toBe(await count(master))
    const errorsBefore = storeErrors(await gateway.scrape())

    const killedAt = performance.now()
    await master.kill()
    const run = await probeUntil(
      client,
      gateway.url,
      [path(onMaster)],
      CALLER,
      (r) => r.firstHit(path(onMaster), killedAt) !== undefined,
      { maxMs: 15_000 }
    )
    for (const probe of run.probes) expect(probe.status).toBe(200)
    expect(run.probes[0]!.cache).not.toBe('HIT')
    expect(storeErrors(await gateway.scrape())).toBeGreaterThan(errorsBefore)
    expect(await holder(onMaster)).toBe(replica)
    const hitAgain = run.firstHit(path(onMaster), killedAt)!.at
    console.log(
      `cluster, master with replica killed: ${summary(run.probes)}; first HIT` +
        ` ${Math.round(hitAgain - killedAt)} ms after the kill (replica promoted)`
    )
    // The old master comes back as a replica of its successor.
    await master.restart()
    await cluster.healthy()
    expect((await get(onMaster)).cache).toBe('HIT')
  })

  /** The resources whose slot `node` serves now. */
  async function holderOf(resources: readonly string[], node: RedisServer) {
    const owners = await Promise.all(resources.map(holder))
    return resources.filter((_, i) => owners[i] === node)
  }
})
