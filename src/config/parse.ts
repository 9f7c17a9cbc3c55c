import { ConfigError } from './errors.ts'

/** Reads one variable: `undefined` when unset or blank, so defaults apply. */
export type Env = Readonly<Record<string, string | undefined>>

export function readString(env: Env, name: string): string | undefined {
  const raw = env[name]
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim()
}

export function readInteger(
  env: Env,
  name: string,
  fallback: number,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}
): number {
  const raw = readString(env, name)
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, raw, `a whole number from ${min} to ${max}`)
  const value = Number(raw)
  if (value < min || value > max) {
    throw new ConfigError(name, raw, `a whole number from ${min} to ${max}`)
  }
  return value
}

/**
 * The longest delay Node's timers take (2³¹−1 ms, about 24.8 days): a longer one fires after
 * 1 ms, so a drain deadline or a push interval set beyond it would do the opposite of what was
 * asked.
 */
export const MAX_TIMER_MS = 2_147_483_647

/** A duration in milliseconds, from `min` to {@link MAX_TIMER_MS}. */
export function readMilliseconds(env: Env, name: string, fallback: number, { min = 1 } = {}) {
  return readInteger(env, name, fallback, { min, max: MAX_TIMER_MS })
}

export function readChoice<T extends string>(
  env: Env,
  name: string,
  choices: readonly T[],
  fallback: T
): T {
  const raw = readString(env, name)
  if (raw === undefined) return fallback
  const value = raw.toLowerCase() as T
  if (!choices.includes(value)) throw new ConfigError(name, raw, `one of ${choices.join(', ')}`)
  return value
}

export function readPort(env: Env, name: string, fallback: number): number {
  return readInteger(env, name, fallback, { min: 0, max: 65535 })
}

export function readUrl(env: Env, name: string, raw: string, protocols: readonly string[]): URL {
  let url: URL | undefined
  try {
    url = new URL(raw)
  } catch {
    // Reported below.
  }
  if (!url || !protocols.includes(url.protocol)) {
    throw new ConfigError(name, withoutPassword(raw), `an absolute URL (${protocols.join(' or ')})`)
  }
  return url
}

/**
 * A URL as it may appear in an error line: a password in it (`REDIS_URL`, `HTTPS_PROXY`) is
 * replaced with `***`, so a typo elsewhere in the URL does not put the secret in the logs.
 */
export function withoutPassword(raw: string): string {
  return raw.replace(/^([^:/?#]+:\/\/[^/?#@]*?:)[^/?#]*@/, '$1***@')
}

export function readHostPortList(env: Env, name: string): { host: string; port: number }[] {
  const raw = readString(env, name)
  if (raw === undefined) return []
  return raw.split(',').map((item) => {
    const match = /^\s*(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})\s*$/.exec(item)
    const port = match ? Number(match[2]) : NaN
    if (!match || port < 1 || port > 65535) {
      throw new ConfigError(name, raw, 'a comma-separated list of host:port')
    }
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port }
  })
}
