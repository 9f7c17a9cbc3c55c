// Child processes of the benchmark: every one is registered so that a normal end, an error,
// Ctrl-C or SIGTERM stops all of them (by their own pid or process group, never by name).
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { childrenOf } from './proc-stats.ts'

const TAIL_LINES = 40

export class Proc {
  readonly name: string
  readonly child: ChildProcess
  readonly pid: number
  /** Runs in its own process group (nginx: master and workers are stopped together). */
  readonly group: boolean
  readonly exited: Promise<void>
  readonly stdout: string[] = []
  readonly stderr: string[] = []
  exitCode: number | null = null
  exitSignal: NodeJS.Signals | null = null
  private lineListeners: ((line: string) => void)[] = []

  constructor(name: string, child: ChildProcess, group: boolean) {
    this.name = name
    this.child = child
    this.pid = child.pid!
    this.group = group
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code
        this.exitSignal = signal
        resolve()
      })
    })
    const collect = (stream: NodeJS.ReadableStream | null, into: string[], notify: boolean) => {
      if (!stream) return
      let partial = ''
      stream.setEncoding('utf8')
      stream.on('data', (data: string) => {
        partial += data
        let nl
        while ((nl = partial.indexOf('\n')) >= 0) {
          const line = partial.slice(0, nl)
          partial = partial.slice(nl + 1)
          into.push(line)
          if (into.length > TAIL_LINES) into.shift()
          if (notify) for (const listener of this.lineListeners) listener(line)
        }
      })
    }
    collect(child.stdout, this.stdout, true)
    collect(child.stderr, this.stderr, false)
  }

  alive(): boolean {
    return this.exitCode === null && this.exitSignal === null
  }

  /** The process and its direct children (nginx workers), for CPU and RSS accounting. */
  pids(): number[] {
    return this.alive() ? [this.pid, ...childrenOf(this.pid)] : []
  }

  onLine(listener: (line: string) => void): void {
    this.lineListeners.push(listener)
  }

  /** Last lines of its output, for error messages. */
  tail(): string {
    return [...this.stdout, ...this.stderr].slice(-15).join('\n')
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.alive()) return
    try {
      if (this.group) process.kill(-this.pid, sig)
      else this.child.kill(sig)
    } catch {
      // already gone
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.alive()) {
      this.signal('SIGTERM')
      const timer = setTimeout(() => this.signal('SIGKILL'), graceMs)
      await this.exited
      clearTimeout(timer)
    }
    registry.delete(this)
  }
}

const registry = new Set<Proc>()
/** Short-lived children (wrk runs): killed with the rest on Ctrl-C or exit. */
const transients = new Set<ChildProcess>()

export function trackTransient(child: ChildProcess): void {
  transients.add(child)
  child.once('exit', () => transients.delete(child))
}

/** Live registered processes, for accounting "our" CPU against the machine's. */
export function liveProcs(): Proc[] {
  return [...registry].filter((p) => p.alive())
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  readonly group?: boolean
}

export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: StartOptions = {}
): Proc {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group ?? false,
  })
  if (child.pid === undefined) {
    throw new Error(`cannot start ${name} (${command})`)
  }
  const proc = new Proc(name, child, options.group ?? false)
  child.on('error', () => {})
  registry.add(proc)
  return proc
}

/** Stops every registered process that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...registry].map((p) => p.stop(3_000)))
}

let installed = false

/** Stops children on a normal exit, an uncaught error, Ctrl-C and SIGTERM. */
export function installCleanup(): void {
  if (installed) return
  installed = true
  // Last resort: `exit` handlers must be synchronous, so kill outright what is still alive.
  process.on('exit', () => {
    for (const child of transients) child.kill('SIGKILL')
    for (const p of registry) p.signal('SIGKILL')
  })
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\nbench: ${sig}, stopping child processes…\n`)
    for (const child of transients) child.kill('SIGTERM')
    const force = setTimeout(() => process.exit(130), 4_000)
    force.unref()
    stopAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
}

/** A port that was free a moment ago on 127.0.0.1. */
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

/**
 * Polls `check` until it returns a value other than undefined, the process dies, or the deadline
 * passes; the error names the process and quotes its last output.
 */
export async function waitUntil<T>(
  proc: Proc,
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    if (!proc.alive()) {
      throw new Error(
        `${proc.name} exited (${proc.exitCode ?? proc.exitSignal}) before ${what}:\n${proc.tail()}`
      )
    }
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch {
      // not yet
    }
    if (Date.now() > until) {
      throw new Error(`${proc.name}: no ${what} within ${timeoutMs} ms:\n${proc.tail()}`)
    }
    await sleep(100)
  }
}
