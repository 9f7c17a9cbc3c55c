import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export interface RedisServerOptions {
  /**
   * More configuration directives, one per entry (`'cluster-enabled yes'`,
   * `'sentinel monitor m 127.0.0.1 6379 2'`); they follow the defaults and so win over them.
   */
  readonly config?: readonly string[]
  /** Runs `redis-server --sentinel`: a Sentinel, which needs its own writable config file. */
  readonly sentinel?: boolean
}

export interface RedisServer {
  readonly url: string
  readonly port: number
  /** Its working directory: config file, `nodes.conf` of a cluster node, `redis.log`. */
  readonly dir: string
  readonly process: ChildProcess
  /** Kills the server (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>
  /** Starts it again on the same port with the same directory (a cluster node keeps its id). */
  restart(): Promise<void>
  /** SIGSTOP / SIGCONT: a Redis that stalls without closing its sockets. */
  pause(): void
  resume(): void
  /** Runs `fn` with a short-lived client of this server (no retries, no offline queue wait). */
  call<T>(fn: (client: Redis) => Promise<T>): Promise<T>
  /** Kills it and removes its directory. */
  stop(): Promise<void>
}

/** A client that fails at once rather than retrying: setup code polls on its own terms. */
async function withClient<T>(port: number, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
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

/** Polls `check` every 50 ms until it holds; fails naming `what` after `ms`. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  what: string,
  ms = 10_000
): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      if (await check()) return
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`)
    await sleep(50)
  }
}

/**
 * The one launcher of the suite's Redis processes: a real `redis-server` on a free loopback
 * port, from a config file in its own temporary directory, keeping nothing on disk but what
 * a cluster node or a Sentinel must (its `nodes.conf`, its rewritten config). Standalone by
 * default; cluster nodes and Sentinels are the same launcher with more directives
 * (`helpers/cache/redis-modes.ts` assembles them).
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), options.sentinel ? 'dgw-sentinel-' : 'dgw-redis-'))
  const conf = join(dir, 'redis.conf')
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `logfile ${join(dir, 'redis.log')}`,
      'loglevel notice',
      ...(options.sentinel ? [] : ['save ""', 'appendonly no']),
      ...(options.config ?? []),
      '',
    ].join('\n')
  )
  const args = options.sentinel ? [conf, '--sentinel'] : [conf]
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' })
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) =>
        reject(new Error(`redis-server exited (${code ?? signal}); see ${dir}/redis.log`))
      )
    )
    exited.catch(() => {})
    await Promise.race([
      exited,
      waitUntil(
        () => withClient(port, async (c) => (await c.ping()) === 'PONG'),
        `redis-server on port ${port} answering PING`
      ),
    ])
  }
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }
  try {
    await launch()
  } catch (error) {
    await kill()
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    url,
    port,
    dir,
    get process() {
      return child
    },
    kill,
    restart: launch,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    call: (fn) => withClient(port, fn),
    stop: async () => {
      child.kill('SIGCONT')
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
