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
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(name, raw, `an absolute URL (${protocols.join(' or ')})`)
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, raw, `an absolute URL (${protocols.join(' or ')})`)
  }
  return url
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
