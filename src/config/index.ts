import { BUILTIN_ROUTES } from '../routes/builtin.ts'
import { loadRoutesFile } from '../routes/load-file.ts'
import type { RouteDefinition } from '../routes/types.ts'
import { ConfigError } from './errors.ts'
import {
  type Env,
  readChoice,
  readHostPortList,
  readInteger,
  readMilliseconds,
  readPort,
  readString,
  readUrl,
  withoutPassword,
} from './parse.ts'
import type { Config, UpstreamConfig } from './types.ts'

export { ConfigError } from './errors.ts'
export type * from './types.ts'

const CACHEABLE_STATUSES = [200, 203]
/** 2³¹−1 s (68 years): a longer freshness would overflow the store's expiry in milliseconds. */
const MAX_CACHE_SECONDS = 2_147_483_647
const UPSTREAM_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/

function toUpstream(name: string, variable: string, raw: string, env: Env): UpstreamConfig {
  const url = readUrl(env, variable, raw, ['http:', 'https:'])
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(
      variable,
      withoutPassword(raw),
      'a URL without query, fragment or credentials'
    )
  }
  return Object.freeze({
    name,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    address: url.host,
  })
}

function readUpstreams(env: Env, required: boolean): Map<string, UpstreamConfig> {
  const upstreams = new Map<string, UpstreamConfig>()
  const main = readString(env, 'UPSTREAM_URL')
  if (main !== undefined) upstreams.set('default', toUpstream('default', 'UPSTREAM_URL', main, env))
  else if (required) throw new ConfigError('UPSTREAM_URL', '', 'the Drive API base URL (required)')
  const extra = readString(env, 'UPSTREAMS')
  for (const item of extra?.split(',') ?? []) {
    const eq = item.indexOf('=')
    const name = item.slice(0, eq).trim()
    if (eq < 0 || !UPSTREAM_NAME.test(name) || name === 'default') {
      throw new ConfigError('UPSTREAMS', extra!, 'name=url pairs separated by commas')
    }
    upstreams.set(name, toUpstream(name, 'UPSTREAMS', item.slice(eq + 1).trim(), env))
  }
  return upstreams
}

function readRoutes(env: Env, upstreams: ReadonlyMap<string, UpstreamConfig>): RouteDefinition[] {
  const file = readString(env, 'ROUTES_FILE')
  const mode = readChoice(env, 'ROUTES_MODE', ['extend', 'replace'], 'extend')
  // Built-in routes name the Drive file host as `files`; without such an upstream they go to the
  // default one, which is what a single-host deployment (or the simulator) wants.
  const builtin = BUILTIN_ROUTES.map((r) =>
    r.upstream && !upstreams.has(r.upstream) ? { ...r, upstream: undefined } : r
  )
  if (file === undefined) return builtin
  let fromFile: RouteDefinition[]
  try {
    fromFile = loadRoutesFile(file)
  } catch (error) {
    throw new ConfigError(
      'ROUTES_FILE',
      file,
      `a readable route table (${(error as Error).message})`
    )
  }
  fromFile.forEach((route, i) => {
    if (route.upstream !== undefined && !upstreams.has(route.upstream)) {
      throw new ConfigError('ROUTES_FILE', file, `routes[${i}].upstream to name one of UPSTREAMS`)
    }
  })
  // File routes come first so that, at equal specificity, they win over the built-in ones.
  return mode === 'replace' ? fromFile : [...fromFile, ...builtin]
}

function readCacheStatuses(env: Env): ReadonlySet<number> {
  const raw = readString(env, 'CACHE_STATUSES') ?? '200'
  const statuses = raw.split(',').map((s) => Number(s.trim()))
  if (statuses.some((s) => !CACHEABLE_STATUSES.includes(s))) {
    throw new ConfigError('CACHE_STATUSES', raw, 'a comma-separated list of 200 and 203')
  }
  return new Set(statuses)
}

/**
 * `REDIS_URL` as the Redis client will read it: `redis:` or `rediss:`, a database number as the
 * path if any, and credentials that percent-decode.
 */
function checkRedisUrl(env: Env, raw: string): void {
  const url = readUrl(env, 'REDIS_URL', raw, ['redis:', 'rediss:'])
  if (!/^\/?\d{0,9}$/.test(url.pathname)) {
    throw new ConfigError(
      'REDIS_URL',
      withoutPassword(raw),
      'a redis: or rediss: URL whose path, if any, is a database number'
    )
  }
  try {
    decodeURIComponent(url.username)
    decodeURIComponent(url.password)
  } catch {
    throw new ConfigError(
      'REDIS_URL',
      withoutPassword(raw),
      'credentials in valid percent-encoding'
    )
  }
}

/**
 * The egress proxy variables undici's `EnvHttpProxyAgent` reads: each one set must be an
 * `http:` or `https:` URL with a host, or start-up would fail later with a message that does
 * not name it.
 */
function checkEgressProxies(env: Env): void {
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) {
    const raw = readString(env, name)
    if (raw === undefined) continue
    const url = readUrl(env, name, raw, ['http:', 'https:'])
    if (!url.hostname) {
      throw new ConfigError(name, withoutPassword(raw), 'an http: or https: URL with a host')
    }
  }
}

/**
 * Turns the environment into a frozen, typed configuration. A bad value throws a
 * {@link ConfigError} whose message names the variable, the value and what was expected.
 *
 * @param options.requireUpstream `npm start` needs `UPSTREAM_URL`; tests and the demo pass it in.
 */
export function loadConfig(env: Env, { requireUpstream = true } = {}): Config {
  const upstreams = readUpstreams(env, requireUpstream)
  const redisUrl = readString(env, 'REDIS_URL')
  if (redisUrl !== undefined) checkRedisUrl(env, redisUrl)
  checkEgressProxies(env)
  const redisMode = readChoice(
    env,
    'REDIS_MODE',
    ['standalone', 'sentinel', 'cluster'],
    'standalone'
  )
  const redisNodes = readHostPortList(env, 'REDIS_NODES')
  if (redisMode !== 'standalone' && redisNodes.length === 0) {
    throw new ConfigError(
      'REDIS_NODES',
      '',
      `host:port list (required with REDIS_MODE=${redisMode})`
    )
  }
  const sentinelName = readString(env, 'REDIS_SENTINEL_NAME')
  if (redisMode === 'sentinel' && sentinelName === undefined) {
    throw new ConfigError(
      'REDIS_SENTINEL_NAME',
      '',
      'the master name (required with REDIS_MODE=sentinel)'
    )
  }
  const maxRequestBytes = readString(env, 'MAX_REQUEST_BYTES')

  const config: Config = {
    upstreams,
    host: readString(env, 'HOST') ?? '127.0.0.1',
    port: readPort(env, 'PORT', 8080),
    adminHost: readString(env, 'ADMIN_HOST') ?? '0.0.0.0',
    adminPort: readPort(env, 'ADMIN_PORT', 9464),
    upstreamTimeoutMs: readMilliseconds(env, 'UPSTREAM_TIMEOUT_MS', 35_000),
    upstreamBodyTimeoutMs: readMilliseconds(env, 'UPSTREAM_BODY_TIMEOUT_MS', 300_000),
    upstreamConnections: readInteger(env, 'UPSTREAM_CONNECTIONS', 128, { min: 1, max: 65535 }),
    upstreamRetries: readInteger(env, 'UPSTREAM_RETRIES', 1, { min: 0, max: 5 }),
    maxRequestBytes:
      maxRequestBytes === undefined
        ? undefined
        : readInteger(env, 'MAX_REQUEST_BYTES', 0, { min: 1 }),
    shutdownDrainMs: readMilliseconds(env, 'SHUTDOWN_DRAIN_MS', 25_000, { min: 0 }),
    redis: {
      url: redisUrl,
      mode: redisMode,
      nodes: redisNodes,
      sentinelName,
      keyPrefix: readString(env, 'REDIS_KEY_PREFIX') ?? 'dgw:',
    },
    cache: {
      enabled: readChoice(env, 'CACHE', ['on', 'off'], 'on') === 'on',
      ttlSeconds: readInteger(env, 'CACHE_TTL_SECONDS', 60, { max: MAX_CACHE_SECONDS }),
      staleSeconds: readInteger(env, 'CACHE_STALE_SECONDS', 30, { max: MAX_CACHE_SECONDS }),
      retainSeconds: readInteger(env, 'CACHE_RETAIN_SECONDS', 300, { max: 86_400 }),
      statuses: readCacheStatuses(env),
      maxEntryBytes: readInteger(env, 'CACHE_MAX_ENTRY_BYTES', 1_048_576, { min: 1 }),
      memoryMaxBytes: readInteger(env, 'CACHE_MEMORY_MAX_BYTES', 67_108_864, { min: 1024 }),
      storeTimeoutMs: readMilliseconds(env, 'CACHE_STORE_TIMEOUT_MS', 50),
      breakerFailures: readInteger(env, 'CACHE_BREAKER_FAILURES', 5, { min: 1 }),
      breakerCooldownMs: readMilliseconds(env, 'CACHE_BREAKER_COOLDOWN_MS', 5_000),
      keySecret: readString(env, 'CACHE_KEY_SECRET'),
    },
    adminToken: readString(env, 'ADMIN_TOKEN'),
    routes: readRoutes(env, upstreams),
    errorCodeLabelCap: readInteger(env, 'ERROR_CODE_LABEL_CAP', 100, { min: 1, max: 10_000 }),
    logLevel: readChoice(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'], 'info'),
    logPaths: readChoice(env, 'LOG_PATHS', ['template', 'full'], 'template'),
  }
  return deepFreeze(config)
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    if (!(value instanceof Map) && !(value instanceof Set)) {
      for (const child of Object.values(value)) deepFreeze(child)
    }
  }
  return value
}
