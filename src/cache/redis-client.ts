import { Cluster, Redis, type RedisOptions } from 'ioredis'
import type { RedisConfig } from '../config/types.ts'

export interface RedisClientOptions {
  /** `CACHE_STORE_TIMEOUT_MS`: ioredis gives up on a command after it. */
  readonly commandTimeoutMs: number
}

// Reconnect quickly after Redis comes back; the circuit breaker, not ioredis, decides when the
// cache uses it again.
const retryStrategy = (times: number) => Math.min(100 * times, 1_000)

/** Credentials, database and TLS from `REDIS_URL`, for modes that list their nodes apart. */
function urlOptions(url: string | undefined): RedisOptions {
  if (url === undefined) return {}
  const parsed = new URL(url)
  const db = Number(parsed.pathname.slice(1) || 0)
  return {
    ...(parsed.username && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password && { password: decodeURIComponent(parsed.password) }),
    ...(Number.isInteger(db) && db > 0 && { db }),
    ...(parsed.protocol === 'rediss:' && { tls: {} }),
  }
}

/**
 * An ioredis client for `REDIS_MODE`: standalone from `REDIS_URL`, sentinel (`REDIS_NODES` are
 * the sentinels, `REDIS_SENTINEL_NAME` the master) or cluster (`REDIS_NODES` are seeds); in the
 * last two, `REDIS_URL` may carry the data nodes' credentials and `rediss:` for TLS.
 *
 * No offline queue: a command while disconnected fails at once instead of waiting. No
 * auto-pipelining: it cut Redis CPU but raised p99 (docs/architecture.md, "Performance").
 */
export function createRedisClient(
  config: RedisConfig,
  options: RedisClientOptions
): Redis | Cluster {
  const connection: RedisOptions = {
    commandTimeout: options.commandTimeoutMs,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    connectionName: 'drive-gateway',
  }
  if (config.mode === 'cluster') {
    // The offline queue is the cluster client's to set: its node connections need theirs to
    // discover the slots.
    return new Cluster(config.nodes.slice(), {
      enableOfflineQueue: false,
      enableAutoPipelining: false,
      clusterRetryStrategy: retryStrategy,
      redisOptions: { ...connection, ...urlOptions(config.url) },
    })
  }
  const common: RedisOptions = {
    ...connection,
    enableOfflineQueue: false,
    enableAutoPipelining: false,
  }
  if (config.mode === 'sentinel') {
    return new Redis({
      ...common,
      ...urlOptions(config.url),
      sentinels: config.nodes.slice(),
      name: config.sentinelName,
      retryStrategy,
      // After a switch-over (SENTINEL FAILOVER) the old master keeps accepting writes until the
      // Sentinels demote it, seconds later; entries and generation bumps written there are lost
      // then. Listening for `+switch-master` on the Sentinels moves the client at once.
      failoverDetector: true,
    })
  }
  return new Redis(config.url!, { ...common, retryStrategy })
}
