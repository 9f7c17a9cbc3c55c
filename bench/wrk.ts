// Runs wrk (keep-alive, fixed connections) and reads its result from a Lua `done` hook that
// prints one JSON line: request count, errors and latency percentiles from wrk's own histogram.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { trackTransient } from './procs.ts'

const MARK = 'BENCH_JSON '

const REPORT_LUA = `-- written by bench/wrk.ts
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '${MARK}{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50":%.0f,"p90":%.0f,"p99":%.0f,"p999":%.0f,"max":%.0f,"mean":%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean))
end
`

export interface WrkResult {
  readonly requests: number
  readonly durationS: number
  readonly rps: number
  readonly bytes: number
  /** Milliseconds. */
  readonly latency: {
    readonly p50: number
    readonly p90: number
    readonly p99: number
    readonly p999: number
    readonly max: number
    readonly mean: number
  }
  /** Responses whose status was not 2xx or 3xx (wrk's `errors.status`). */
  readonly non2xx: number
  /** connect + read + write errors and timeouts. */
  readonly socketErrors: number
  readonly errors: {
    readonly connect: number
    readonly read: number
    readonly write: number
    readonly timeout: number
  }
}

export interface WrkOptions {
  readonly wrk: string
  readonly url: string
  readonly durationS: number
  readonly connections: number
  readonly threads: number
  readonly headers: readonly string[]
  readonly scriptDir: string
}

let scriptPath: string | undefined

function reportScript(dir: string): string {
  if (!scriptPath) {
    scriptPath = join(dir, 'report.lua')
    writeFileSync(scriptPath, REPORT_LUA)
  }
  return scriptPath
}

export function runWrk(options: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.durationS}s`,
    '--timeout',
    '5s',
    '-s',
    reportScript(options.scriptDir),
    ...options.headers.flatMap((h) => ['-H', h]),
    options.url,
  ]
  return new Promise((resolve, reject) => {
    const child = spawn(options.wrk, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    trackTransient(child)
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    child.once('error', reject)
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(MARK))
      if (code !== 0 || !line) {
        reject(new Error(`wrk ${args.join(' ')} exited ${code}:\n${out}${err}`))
        return
      }
      const r = JSON.parse(line.slice(MARK.length)) as Record<string, number>
      const ms = (us: number | undefined) => (us ?? 0) / 1000
      const durationS = (r.duration_us ?? 0) / 1e6
      const requests = r.requests ?? 0
      const errors = {
        connect: r.connect ?? 0,
        read: r.read ?? 0,
        write: r.write ?? 0,
        timeout: r.timeout ?? 0,
      }
      resolve({
        requests,
        durationS,
        rps: durationS > 0 ? requests / durationS : 0,
        bytes: r.bytes ?? 0,
        latency: {
          p50: ms(r.p50),
          p90: ms(r.p90),
          p99: ms(r.p99),
          p999: ms(r.p999),
          max: ms(r.max),
          mean: ms(r.mean),
        },
        non2xx: r.status ?? 0,
        socketErrors: errors.connect + errors.read + errors.write + errors.timeout,
        errors,
      })
    })
  })
}
