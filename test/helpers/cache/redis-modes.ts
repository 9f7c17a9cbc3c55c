import { freePort, startRedisServer, waitUntil, type RedisServer } from '../redis-server.ts'

/** 16384 slots split as `redis-cli --cluster create` splits them among `n` masters. */
function slotRanges(n: number): [number, number][] {
  const per = 16384 / n
  return Array.from({ length: n }, (_, i) => [
    Math.round(i * per),
    i === n - 1 ? 16383 : Math.round((i + 1) * per) - 1,
  ])
}

// A replica's full sync otherwise waits 5 s for more replicas to share the transfer with.
const FAST_SYNC = 'repl-diskless-sync-delay 0'

/** A field of an `INFO` or `CLUSTER INFO` reply. */
export function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(info)?.[1]
}

type SlotsReply = [number, number, [string, number, string], ...[string, number, string][]][]

export interface RedisCluster {
  /** The masters as created, `masters[i]` holding the i-th third of the slots. */
  readonly masters: readonly RedisServer[]
  /** `replicas[i]` replicates `masters[replicaOf[i]]`. */
  readonly replicas: readonly RedisServer[]
  /** `REDIS_NODES` for the gateway: every node as a seed. */
  readonly seeds: string
  /** The node id of a node (stable across its restarts: it keeps its `nodes.conf`). */
  nodeId(node: RedisServer): Promise<string>
  /** The slot of a key, as the cluster computes it (hash tags included). */
  keySlot(key: string): Promise<number>
  /** The port of the master serving `slot`, as a live node sees it. */
  ownerOf(slot: number): Promise<number>
  /**
   * Moves `slot` and its keys from one master to another the way `redis-cli --cluster reshard`
   * does (IMPORTING / MIGRATING, `MIGRATE … KEYS`, `SETSLOT NODE`), so a client with the old
   * slot map is answered `MOVED`.
   */
  migrateSlot(slot: number, from: RedisServer, to: RedisServer): Promise<void>
  /** Waits until every live node says `cluster_state:ok` and all agree on the slot owners. */
  healthy(ms?: number): Promise<void>
  stop(): Promise<void>
}

export interface RedisClusterOptions {
  readonly masters?: number
  /** For each entry, one replica of the master at that index. */
  readonly replicaOf?: readonly number[]
  /**
   * `cluster-node-timeout`: how long a node may be silent before it is suspected. Low, so a
   * killed master is failed over within a test; production keeps the 15 s default.
   */
  readonly nodeTimeoutMs?: number
}

/**
 * A real Redis Cluster on loopback, built as `redis-cli --cluster create` builds one (slots
 * split evenly, distinct config epochs, `CLUSTER MEET`, `CLUSTER REPLICATE`) but without its
 * one-second polls. Full slot coverage is required, as by default in production: while a master
 * without a replica is down, the whole cluster refuses commands.
 */
export async function startRedisCluster({
  masters: count = 3,
  replicaOf = [],
  nodeTimeoutMs = 500,
}: RedisClusterOptions = {}): Promise<RedisCluster> {
  const config = [
    'cluster-enabled yes',
    'cluster-config-file nodes.conf',
    `cluster-node-timeout ${nodeTimeoutMs}`,
    // Alone at first, a node does not know its own address and would announce an empty one.
    'cluster-announce-ip 127.0.0.1',
    FAST_SYNC,
  ]
  const started: RedisServer[] = []
  const busPorts = new Map<RedisServer, number>()
  const start = async () => {
    // The bus port defaults to the client port + 10000, past 65535 for a high free port.
    const bus = await freePort()
    const server = await startRedisServer({ config: [...config, `cluster-port ${bus}`] })
    busPorts.set(server, bus)
    started.push(server)
    return server
  }
  const stop = async () => {
    await Promise.all(started.map((server) => server.stop()))
  }
  const nodeId = (node: RedisServer) =>
    node.call(async (c) => String(await c.call('CLUSTER', 'MYID')))
  const live = () => started.filter((s) => s.process.exitCode === null && !s.process.signalCode)
  const slotMap = (node: RedisServer) =>
    node.call(async (c) => (await c.call('CLUSTER', 'SLOTS')) as SlotsReply)

  try {
    const masters = await Promise.all(Array.from({ length: count }, start))
    const replicas = await Promise.all(replicaOf.map(start))
    const ranges = slotRanges(count)
    await Promise.all(
      masters.map((master, i) =>
        master.call(async (c) => {
          await c.call('CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1))
          await c.call('CLUSTER', 'ADDSLOTSRANGE', String(ranges[i]![0]), String(ranges[i]![1]))
        })
      )
    )
    await masters[0]!.call(async (c) => {
      for (const other of [...masters.slice(1), ...replicas])
        await c.call(
          'CLUSTER',
          'MEET',
          '127.0.0.1',
          String(other.port),
          String(busPorts.get(other))
        )
    })
    await Promise.all(
      replicas.map(async (replica, i) => {
        const masterId = await nodeId(masters[replicaOf[i]!]!)
        // A replica can follow a master only once it has heard of it through the gossip.
        await waitUntil(
          () =>
            replica.call(async (c) => String(await c.call('CLUSTER', 'NODES')).includes(masterId)),
          'replica learning its master'
        )
        await replica.call((c) => c.call('CLUSTER', 'REPLICATE', masterId))
      })
    )

    const cluster: RedisCluster = {
      masters,
      replicas,
      seeds: [...masters, ...replicas].map((s) => `127.0.0.1:${s.port}`).join(','),
      nodeId,
      keySlot: (key) =>
        live()[0]!.call(async (c) => Number(await c.call('CLUSTER', 'KEYSLOT', key))),
      async ownerOf(slot) {
        const map = await slotMap(live()[0]!)
        const range = map.find(([from, to]) => from <= slot && slot <= to)
        if (!range) throw new Error(`slot ${slot} is not served`)
        return range[2][1]
      },
      async migrateSlot(slot, from, to) {
        const [fromId, toId] = await Promise.all([nodeId(from), nodeId(to)])
        await to.call((c) => c.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', fromId))
        await from.call(async (c) => {
          await c.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', toId)
          const keys = (await c.call('CLUSTER', 'GETKEYSINSLOT', String(slot), '1000')) as string[]
          if (keys.length > 0)
            await c.call('MIGRATE', '127.0.0.1', String(to.port), '', '0', '5000', 'KEYS', ...keys)
        })
        // The new owner first, then the old one, then the other masters (as redis-cli does).
        const roles = await Promise.all(live().map((s) => s.call((c) => c.call('ROLE'))))
        const others = live().filter(
          (s, i) => s !== from && s !== to && (roles[i] as string[])[0] === 'master'
        )
        for (const node of [to, from, ...others])
          await node.call((c) => c.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', toId))
      },
      async healthy(ms = 15_000) {
        await waitUntil(
          async () => {
            const nodes = live()
            const states = await Promise.all(
              nodes.map((n) => n.call(async (c) => String(await c.call('CLUSTER', 'INFO'))))
            )
            if (!states.every((info) => infoField(info, 'cluster_state') === 'ok')) return false
            const maps = await Promise.all(nodes.map(slotMap))
            const owners = maps.map((map) =>
              JSON.stringify(map.map(([from, to, owner]) => [from, to, owner[1]]).sort())
            )
            return owners.every((o) => o === owners[0])
          },
          'cluster_state:ok on every node, one slot map',
          ms
        )
      },
      stop,
    }
    await cluster.healthy()
    // Replicas synced, so a failover finds a replica that has the data.
    await Promise.all(
      replicas.map((replica) =>
        waitUntil(
          () =>
            replica.call(
              async (c) =>
                infoField(String(await c.info('replication')), 'master_link_status') === 'up'
            ),
          'replica in sync'
        )
      )
    )
    return cluster
  } catch (error) {
    await stop()
    throw error
  }
}

export interface SentinelGroup {
  /** The master Sentinel watches, by name. */
  readonly name: string
  /** The servers as started: `master` first holds the role; after a failover `replica` does. */
  readonly master: RedisServer
  readonly replica: RedisServer
  readonly sentinels: readonly RedisServer[]
  /** `REDIS_NODES` for the gateway: the Sentinels. */
  readonly seeds: string
  /** The port every Sentinel names as the master now. */
  masterPort(): Promise<number | undefined>
  stop(): Promise<void>
}

export interface SentinelGroupOptions {
  readonly name?: string
  /** `sentinel down-after-milliseconds`: silence before a Sentinel calls the master down. */
  readonly downAfterMs?: number
}

/**
 * A master, one replica, and three Sentinels with a quorum of two, as a small production
 * deployment runs them; returned once the Sentinels know each other and the replica (they learn
 * of one another through the master's hello channel, every 2 s).
 */
export async function startSentinelGroup({
  name = 'dgwmaster',
  downAfterMs = 500,
}: SentinelGroupOptions = {}): Promise<SentinelGroup> {
  const started: RedisServer[] = []
  const stop = async () => {
    await Promise.all(started.map((server) => server.stop()))
  }
  const track = (server: RedisServer) => (started.push(server), server)
  try {
    const master = track(await startRedisServer({ config: [FAST_SYNC] }))
    const replica = track(
      await startRedisServer({ config: [FAST_SYNC, `replicaof 127.0.0.1 ${master.port}`] })
    )
    await waitUntil(
      () =>
        replica.call(
          async (c) => infoField(String(await c.info('replication')), 'master_link_status') === 'up'
        ),
      'replica in sync'
    )
    const sentinels = await Promise.all(
      [0, 1, 2].map(async () =>
        track(
          await startRedisServer({
            sentinel: true,
            config: [
              `sentinel monitor ${name} 127.0.0.1 ${master.port} 2`,
              `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
              `sentinel failover-timeout ${name} 5000`,
            ],
          })
        )
      )
    )
    await Promise.all(
      sentinels.map((sentinel) =>
        waitUntil(
          () =>
            sentinel.call(async (c) => {
              const flat = (await c.call('SENTINEL', 'MASTER', name)) as string[]
              const fields = new Map<string, string>()
              for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!, flat[i + 1]!)
              return fields.get('num-other-sentinels') === '2' && fields.get('num-slaves') === '1'
            }),
          'sentinels knowing each other and the replica'
        )
      )
    )
    return {
      name,
      master,
      replica,
      sentinels,
      seeds: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      async masterPort() {
        const ports = await Promise.all(
          sentinels.map((s) =>
            s.call(async (c) => {
              const addr = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as
                string[] | null
              return addr?.[1]
            })
          )
        )
        return ports.every((p) => p === ports[0]) && ports[0] ? Number(ports[0]) : undefined
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
