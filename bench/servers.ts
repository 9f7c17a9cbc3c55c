// The processes under test, each its own child so its CPU and memory are measured apart:
// the Drive API simulator (upstream), the gateway as `npm start` runs it, its peers (the Node
// floor, fastify), Redis, the OTLP sink.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import ts from 'typescript'
import { createConnection } from 'node:net'
import { fileURLToPath } from 'node:url'
import { freePort, startProcess, waitUntil, type Proc } from './procs.ts'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
const NODE = process.execPath

/** Settings of ours that must not leak from the caller's shell into a child's config. */
const OWN_VARIABLES =
  /^(OTEL_|REDIS_|CACHE|UPSTREAM|PORT$|HOST$|ADMIN_|LOG_|ROUTES_|SIM_|MAX_REQUEST|SHUTDOWN_|ERROR_CODE_|WORKERS$|NODE_OPTIONS$)/

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!OWN_VARIABLES.test(k)) env[k] = v
  return { ...env, ...extra }
}

export interface Upstream {
  readonly proc: Proc
  readonly url: string
  readonly port: number
  readonly latencyMs: number
  /** What answers, for the report: `nginx return 200 (421 B JSON)` or `Drive API simulator`. */
  readonly label: string
}

export async function startSimulator(latencyMs: number): Promise<Upstream> {
  const main = `${ROOT}src/simulator/main.ts`
  if (!existsSync(main)) throw new Error(`the Drive API simulator is missing (${main})`)
  const port = await freePort()
  const proc = startProcess(`simulator (${latencyMs} ms)`, NODE, ['src/simulator/main.ts'], {
    cwd: ROOT,
    env: cleanEnv({
      SIM_PORT: String(port),
      SIM_HOST: '127.0.0.1',
      SIM_LATENCY_MS: String(latencyMs),
    }),
  })
  const url = `http://127.0.0.1:${port}`
  await waitUntil(proc, 'an answer to GET /files/bench-probe', async () => {
    const res = await fetch(`${url}/files/bench-probe`)
    await res.arrayBuffer()
    return res.status === 200 ? true : undefined
  })
  return { proc, url, port, latencyMs, label: 'Drive API simulator' }
}

export type PeerKind = 'floor' | 'fastify'

const PEERS: Record<PeerKind, { file: string; name: string }> = {
  floor: { file: 'bench/peers/floor.ts', name: 'node floor' },
  fastify: { file: 'bench/peers/fastify.ts', name: 'fastify' },
}

/**
 * The peer compiled to JavaScript, as the gateway runs from dist/: Node's own type stripping
 * would load its TypeScript transformer into the peer and add about 14 MB to its RSS. Written
 * under node_modules/.cache so the peer's imports resolve from the project's node_modules.
 */
function compiledPeer(file: string): string {
  const out = `${ROOT}node_modules/.cache/drive-gateway-bench/${basename(file, '.ts')}.mjs`
  const js = ts.transpileModule(readFileSync(`${ROOT}${file}`, 'utf8'), {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2024,
      verbatimModuleSyntax: true,
    },
  }).outputText
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, js)
  return out
}

export interface Peer {
  readonly proc: Proc
  readonly url: string
}

/** A peer proxy (bench/peers/) in front of `upstreamUrl`, ready when it proxies a request. */
export async function startPeer(
  kind: PeerKind,
  upstreamUrl: string,
  probePath: string
): Promise<Peer> {
  const port = await freePort()
  const { file, name } = PEERS[kind]
  const proc = startProcess(name, NODE, [compiledPeer(file)], {
    cwd: ROOT,
    env: cleanEnv({ PEER_PORT: String(port), UPSTREAM_URL: upstreamUrl }),
  })
  const url = `http://127.0.0.1:${port}`
  await waitUntil(proc, `an answer to GET ${probePath}`, async () => {
    const res = await fetch(url + probePath)
    await res.arrayBuffer()
    return res.status === 200 ? true : undefined
  })
  return { proc, url }
}

const TRACING_PRELOAD = './src/tracing/register.ts'

export interface GatewayCommand {
  /** Node arguments: flags, then the entry script last. */
  readonly args: string[]
  /** How the command was found, for the report. */
  readonly from: string
  /** The entry script (e.g. `dist/main.js` once `npm start` runs compiled JavaScript). */
  readonly entry: string
  /** Node flags of `npm start` itself (e.g. V8 heap flags it ships). */
  readonly startFlags: string[]
}

/**
 * How `npm start` starts the gateway: the node arguments of package.json's `start` script (so
 * its preloads and V8 flags are benchmarked too), else `src/main.ts`. When the script runs the
 * TypeScript source and the tracing preload exists but is not loaded yet, the bench adds it (and
 * says so), so that the tracing rows measure tracing.
 */
export function gatewayArgs(): GatewayCommand {
  let args = ['src/main.ts']
  let from = 'node src/main.ts'
  try {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      scripts?: Record<string, string>
    }
    const script = pkg.scripts?.start?.trim() ?? ''
    const words = script.split(/\s+/)
    if (words[0] === 'node' && words.length > 1 && !/["'$;&|<>`\\]/.test(script)) {
      args = words.slice(1)
      from = `npm start (${script})`
    }
  } catch {
    // the default
  }
  const entry = args[args.length - 1]!
  if (
    entry.endsWith('.ts') &&
    existsSync(`${ROOT}src/tracing/register.ts`) &&
    !args.some((a) => a.includes('register.'))
  ) {
    args = ['--import', TRACING_PRELOAD, ...args]
    from += ` + --import ${TRACING_PRELOAD} (added by the bench: not in npm start yet)`
  }
  const startFlags = args.slice(0, -1).filter((a, i, all) => {
    // `--import X` and `-r X` are preloads, not runtime flags.
    const prev = all[i - 1]
    return (
      a.startsWith('--') &&
      !/^--(import|require)$/.test(a) &&
      !/^(--import|--require|-r)$/.test(prev ?? '')
    )
  })
  return { args, from, entry, startFlags }
}

/** The gateway's command with extra node flags after its own (so they win over its defaults). */
export function withNodeFlags(args: readonly string[], flags: readonly string[]): string[] {
  return [...args.slice(0, -1), ...flags, args[args.length - 1]!]
}

/** Newest modification time of the non-test TypeScript under src/, ms. */
function newestSource(dir = `${ROOT}src`): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else if (entry.name.endsWith('.ts') && !entry.name.includes('.test.')) {
      newest = Math.max(newest, statSync(path).mtimeMs)
    }
  }
  return newest
}

/**
 * When `npm start` runs compiled JavaScript, rebuilds it (`npm run build`) if any source is newer
 * than the entry, so the bench never measures stale output; returns what it did, for the log.
 */
export function ensureBuilt(log: (message: string) => void): void {
  const { entry } = gatewayArgs()
  if (entry.endsWith('.ts')) return
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
    scripts?: Record<string, string>
  }
  const built = existsSync(`${ROOT}${entry}`) ? statSync(`${ROOT}${entry}`).mtimeMs : 0
  if (built >= newestSource()) return
  if (!pkg.scripts?.build) {
    throw new Error(`npm start runs ${entry}, which is missing or older than src/: build it first`)
  }
  log(`${entry} is missing or older than src/: npm run build`)
  const npm = process.env.npm_execpath
  const r = npm
    ? spawnSync(NODE, [npm, 'run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' })
    : spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`npm run build failed (${r.status}):\n${r.stdout}${r.stderr}`)
}

export interface Gateway {
  readonly proc: Proc
  readonly url: string
  readonly adminUrl: string
}

export interface GatewayOptions {
  readonly name: string
  readonly upstreamUrl: string
  readonly env?: Record<string, string>
  /** Extra node flags before the script, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[]
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const [port, adminPort] = [await freePort(), await freePort()]
  const { args } = gatewayArgs()
  const proc = startProcess(options.name, NODE, withNodeFlags(args, options.nodeFlags ?? []), {
    cwd: ROOT,
    env: cleanEnv({
      UPSTREAM_URL: options.upstreamUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_HOST: '127.0.0.1',
      ADMIN_PORT: String(adminPort),
      // Access logs off the hot path: only warnings and errors are written.
      LOG_LEVEL: 'warn',
      SHUTDOWN_DRAIN_MS: '1000',
      ...options.env,
    }),
  })
  const url = `http://127.0.0.1:${port}`
  const adminUrl = `http://127.0.0.1:${adminPort}`
  await waitUntil(proc, 'GET /readyz 200 on the admin port', async () => {
    const res = await fetch(`${adminUrl}/readyz`)
    await res.arrayBuffer()
    return res.status === 200 ? true : undefined
  })
  return { proc, url, adminUrl }
}

function redisPing(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    socket.setEncoding('utf8')
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.on('data', (d: string) => {
      reply += d
      if (reply.includes('\r\n')) {
        socket.destroy()
        resolve(reply.startsWith('+PONG') ? true : undefined)
      }
    })
    socket.once('error', () => resolve(undefined))
  })
}

export interface RedisServer {
  readonly proc: Proc
  readonly url: string
}

/** Our own `redis-server` on a free port that keeps nothing on disk. */
export async function startRedis(binary: string): Promise<RedisServer> {
  const port = await freePort()
  const proc = startProcess('redis-server', binary, [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--loglevel',
    'warning',
  ])
  await waitUntil(proc, 'PONG', () => redisPing(port), 10_000)
  return { proc, url: `redis://127.0.0.1:${port}` }
}

export interface SinkStats {
  readonly requests: number
  readonly bytes: number
  readonly spans: number
  readonly serverSpans: number
  readonly clientSpans: number
  readonly undecoded: number
  readonly byPath: Record<string, number>
}

export interface OtlpSink {
  readonly proc: Proc
  readonly url: string
  stats(): Promise<SinkStats>
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const port = await freePort()
  const proc = startProcess('otlp sink', NODE, ['bench/otlp-sink.ts'], {
    cwd: ROOT,
    env: cleanEnv({ SINK_PORT: String(port) }),
  })
  const url = `http://127.0.0.1:${port}`
  const stats = async () => {
    const res = await fetch(`${url}/stats`)
    return (await res.json()) as SinkStats
  }
  await waitUntil(proc, 'GET /stats', stats, 10_000)
  return { proc, url, stats }
}
