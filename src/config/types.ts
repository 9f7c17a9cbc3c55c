import type { RouteDefinition } from '../routes/types.ts'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type RedisMode = 'standalone' | 'sentinel' | 'cluster'

export interface UpstreamConfig {
  /** Name used by routes (`default` for `UPSTREAM_URL`). */
  readonly name: string
  /** Origin only, e.g. `https://apis.worksmobile.com`. */
  readonly origin: string
  /** Path prefix without a trailing slash (`''` when none). */
  readonly basePath: string
  /** `host[:port]` as written in the URL: the bounded `server_address` label value. */
  readonly address: string
}

export interface CacheConfig {
  readonly enabled: boolean
  /** Heuristic freshness for responses without any; 0 = origin freshness only (RFC 9111 §4.2). */
  readonly ttlSeconds: number
  readonly staleSeconds: number
  /** How long past its freshness an entry with a validator is kept for revalidation. */
  readonly retainSeconds: number
  readonly statuses: ReadonlySet<number>
  readonly maxEntryBytes: number
  readonly memoryMaxBytes: number
  readonly storeTimeoutMs: number
  readonly breakerFailures: number
  readonly breakerCooldownMs: number
  readonly keySecret: string | undefined
}

export interface RedisConfig {
  readonly url: string | undefined
  readonly mode: RedisMode
  readonly nodes: readonly { host: string; port: number }[]
  readonly sentinelName: string | undefined
  readonly keyPrefix: string
}

export interface Config {
  readonly upstreams: ReadonlyMap<string, UpstreamConfig>
  readonly host: string
  readonly port: number
  readonly adminHost: string
  readonly adminPort: number
  readonly upstreamTimeoutMs: number
  readonly upstreamBodyTimeoutMs: number
  readonly upstreamConnections: number
  readonly upstreamRetries: number
  readonly maxRequestBytes: number | undefined
  readonly shutdownDrainMs: number
  readonly redis: RedisConfig
  readonly cache: CacheConfig
  readonly adminToken: string | undefined
  readonly routes: readonly RouteDefinition[]
  readonly errorCodeLabelCap: number
  readonly logLevel: LogLevel
  readonly logPaths: 'template' | 'full'
}
