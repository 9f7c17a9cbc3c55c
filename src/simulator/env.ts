import type { FaultRate, Latency } from './faults.ts'
import type { SimulatorOptions } from './index.ts'

/** A bad `SIM_*` value; main prints its message as the one line of a failed start. */
export class SimulatorEnvError extends Error {
  override name = 'SimulatorEnvError'
}

function fail(name: string, value: string, expected: string): never {
  throw new SimulatorEnvError(`${name}=${JSON.stringify(value)}: expected ${expected}`)
}

function number(name: string, text: string, value: string): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) fail(name, value, 'a number >= 0')
  return n
}

/** `SIM_LATENCY_MS`: `20` (fixed) or `20:250` (log-normal with p50 20 ms, p99 250 ms). */
export function parseLatency(value: string): Latency {
  const parts = value.split(':')
  if (parts.length === 1) return number('SIM_LATENCY_MS', parts[0]!, value)
  if (parts.length !== 2) fail('SIM_LATENCY_MS', value, 'ms or p50:p99')
  const p50 = number('SIM_LATENCY_MS', parts[0]!, value)
  const p99 = number('SIM_LATENCY_MS', parts[1]!, value)
  if (p99 < p50) fail('SIM_LATENCY_MS', value, 'p50 <= p99')
  return { p50, p99 }
}

const FAULT = /^(\d{3})(?:\/([A-Za-z0-9_.-]{1,64}))?:([0-9.]+)(?:@(\d+))?$/

/**
 * `SIM_FAULTS`: comma-separated `status[/CODE]:rate[@delayMs]`, e.g.
 * `503:0.01,598:0.005@30000` (1 % 503; 0.5 % 598 after 30 s).
 */
export function parseFaults(value: string): FaultRate[] {
  const faults = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item): FaultRate => {
      const match = FAULT.exec(item)
      if (!match) fail('SIM_FAULTS', value, 'status[/CODE]:rate[@delayMs], comma-separated')
      const rate = Number(match[3])
      if (!(rate >= 0 && rate <= 1)) fail('SIM_FAULTS', value, 'rates between 0 and 1')
      return {
        status: Number(match[1]),
        rate,
        ...(match[2] ? { code: match[2] } : {}),
        ...(match[4] ? { delayMs: Number(match[4]) } : {}),
      }
    })
  if (faults.reduce((sum, f) => sum + f.rate, 0) > 1)
    fail('SIM_FAULTS', value, 'rates adding up to <= 1')
  return faults
}

/** Reads `SIM_PORT` (9001), `SIM_HOST`, `SIM_BASE_PATH`, `SIM_LATENCY_MS`, `SIM_FAULTS`. */
export function simulatorOptionsFromEnv(env: NodeJS.ProcessEnv): SimulatorOptions {
  const port = env.SIM_PORT ?? '9001'
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) fail('SIM_PORT', port, 'a port 0-65535')
  const basePath = env.SIM_BASE_PATH ?? ''
  if (basePath !== '' && !basePath.startsWith('/'))
    fail('SIM_BASE_PATH', basePath, 'a path like /v2')
  return {
    port: Number(port),
    host: env.SIM_HOST || '127.0.0.1',
    basePath,
    latencyMs: env.SIM_LATENCY_MS ? parseLatency(env.SIM_LATENCY_MS) : 0,
    faultRates: env.SIM_FAULTS ? parseFaults(env.SIM_FAULTS) : [],
    // A standalone simulator has no one to read its records: keep none.
    maxRecords: 0,
  }
}
