import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { freePort } from '../redis-server.ts'

export interface RedisProcess {
  readonly port: number
  stop(): Promise<void>
}

function stopper(child: ChildProcess, dir: string) {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
}

async function until(check: () => Promise<boolean>, what: string, ms = 10_000) {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      if (await check()) return
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${ms} ms`)
    await sleep(50)
  }
}

async function withClient<T>(port: number, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    retryStrategy: () => null,
  })
  client.on('error', () => {})
  try {
    await client.connect()
    return await fn(client)
  } finally {
    client.disconnect()
  }
}

/**
 * A one-node Redis Cluster (all 16384 slots on one master): enough to check that the gateway
 * speaks cluster and never sends a multi-key command across slots (Redis refuses those even
 * on one node).
 */
export async function startRedisCluster(): Promise<RedisProcess> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'dgw-cluster-'))
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--cluster-enabled',
      'yes',
      // Alone, a node does not know its own address and would announce an empty one.
      '--cluster-announce-ip',
      '127.0.0.1',
      '--cluster-config-file',
      join(dir, 'nodes.conf'),
      '--dir',
      dir,
    ],
    { stdio: 'ignore' }
  )
  const stop = stopper(child, dir)
  try {
    await until(
      async () => withClient(port, async (c) => (await c.ping()) === 'PONG'),
      'cluster node'
    )
    await withClient(port, (c) => c.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383'))
    await until(
      () =>
        withClient(port, async (c) =>
          String(await c.call('CLUSTER', 'INFO')).includes('cluster_state:ok')
        ),
      'cluster state'
    )
  } catch (error) {
    await stop()
    throw error
  }
  return { port, stop }
}

/** A master and one Sentinel watching it as `name`. */
export async function startRedisSentinel(masterPort: number, name: string): Promise<RedisProcess> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'dgw-sentinel-'))
  const conf = join(dir, 'sentinel.conf')
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} 60000`,
      '',
    ].join('\n')
  )
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' })
  const stop = stopper(child, dir)
  try {
    await until(
      () =>
        withClient(port, async (c) => {
          const addr = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as
            string[] | null
          return addr?.[1] === String(masterPort)
        }),
      'sentinel'
    )
  } catch (error) {
    await stop()
    throw error
  }
  return { port, stop }
}
