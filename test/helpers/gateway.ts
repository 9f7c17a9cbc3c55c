import { readFileSync } from 'node:fs'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startFromConfig } from '../../src/bootstrap.ts'
import { loadConfig } from '../../src/config/index.ts'
import { createLogger } from '../../src/logging/logger.ts'
import type { RunningGateway } from '../../src/server.ts'
import type { TracingSetup } from '../../src/tracing/index.ts'
import { onLines } from './lines.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const NODE = process.execPath
/** The command line of `npm start` (package.json): the compiled gateway with the tracing preload. */
export const START_ARGS = [
  '--max-semi-space-size=8',
  '--enable-source-maps',
  '--import',
  './dist/tracing/register.js',
  'dist/main.js',
]

/** The runner's environment without `OTEL_*` settings, so that only a test's own apply. */
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')))
}

/** Runs the gateway as `npm start` does until it exits: for start-up failures. */
export function runGatewayToExit(
  env: Record<string, string>
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(NODE, START_ARGS, { cwd: ROOT, env: { ...inheritedEnv(), ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  )
}

export interface TestGateway {
  readonly url: string
  readonly adminUrl: string
  readonly gateway: RunningGateway
  /** Parsed JSON log lines written so far. */
  readonly logs: Record<string, unknown>[]
  /** The text exposition of `/metrics`, scraped over HTTP. */
  scrape(): Promise<string>
  close(): Promise<void>
}

const BASE_ENV = { HOST: '127.0.0.1', PORT: '0', ADMIN_HOST: '127.0.0.1', ADMIN_PORT: '0' }

/**
 * Starts a real gateway (both listeners on port 0) in this process, as `npm start` would; with
 * `tracing`, spans go where that setup says (see `helpers/tracing/in-memory.ts`).
 */
export async function startTestGateway(
  env: Record<string, string>,
  { tracing }: { tracing?: TracingSetup } = {}
): Promise<TestGateway> {
  const config = loadConfig({ ...BASE_ENV, ...env })
  const logs: Record<string, unknown>[] = []
  const logger = createLogger(config.logLevel, (line) => logs.push(JSON.parse(line)))
  const gateway = await startFromConfig(config, { logger, tracing })
  return {
    url: gateway.url,
    adminUrl: gateway.adminUrl,
    gateway,
    logs,
    async scrape() {
      const res = await fetch(`${gateway.adminUrl}/metrics`)
      return res.text()
    },
    close: () => gateway.shutdown(1_000),
  }
}

export interface GatewayProcess {
  readonly url: string
  readonly adminUrl: string
  readonly child: ChildProcess
  readonly stdout: string[]
  readonly stderr: string[]
  /** The process's resident set size in bytes, read from /proc. */
  rss(): number
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/**
 * Starts `node src/main.ts` as a child process, as `npm start` does, and waits for its
 * `listening` line. For tests that measure the gateway's own memory or send it signals.
 */
export function spawnGateway(
  env: Record<string, string>,
  { timeoutMs = 15_000 } = {}
): Promise<GatewayProcess> {
  const child = spawn(NODE, START_ARGS, {
    cwd: ROOT,
    env: { ...inheritedEnv(), ...BASE_ENV, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stdout: string[] = []
  const stderr: string[] = []
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code))
  )
  child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`gateway did not start: ${stderr.join('')}`))
    }, timeoutMs)
    onLines(child.stdout!, (line) => {
      stdout.push(line)
      if (!line.includes('"listening"')) return
      clearTimeout(timer)
      const { proxy, admin } = JSON.parse(line) as { proxy: string; admin: string }
      resolve({
        url: proxy,
        adminUrl: admin,
        child,
        stdout,
        stderr,
        exited,
        rss: () => readRss(child.pid!),
        async stop(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal)
          return exited
        },
      })
    })
    exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`gateway exited with ${code}: ${stderr.join('')}`))
    })
  })
}

function readRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)
  return kb ? Number(kb[1]) * 1024 : NaN
}
