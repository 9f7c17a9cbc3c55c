import { EnvHttpProxyAgent } from 'undici'
import type { CacheHooks } from '../app.ts'
import type { Config, RedisConfig } from '../config/types.ts'
import type { Logger } from '../logging/logger.ts'
import type { GatewayMetrics } from '../metrics/definitions.ts'
import { CircuitBreaker } from './breaker.ts'
import { Coalescer } from './coalescer.ts'
import { GuardedStore } from './guarded-store.ts'
import { Invalidator } from './invalidation.ts'
import { CacheKeys } from './key.ts'
import { MemoryStore } from './memory-store.ts'
import { mountPurge } from './purge.ts'
import { createRedisClient } from './redis-client.ts'
import { RedisStore } from './redis-store.ts'
import { createRouteMatcher } from '../routes/match.ts'
import { Refresher } from './refresher.ts'
import { cacheStage } from './stage.ts'
import type { CacheStore } from './store.ts'

export type { CacheStore } from './store.ts'
export { MemoryStore } from './memory-store.ts'
export { RedisStore } from './redis-store.ts'

export interface CacheDeps {
  readonly metrics: Pick<GatewayMetrics, 'cacheStoreErrors' | 'cacheStoreUp'>
  readonly logger: Logger
  /** A store to use instead of the one the config names (tests). */
  readonly store?: CacheStore
}

/** The running cache: hooks for `createApp`, and what start-up and shutdown need. */
export interface Cache {
  readonly hooks: CacheHooks
  readonly store: CacheStore
  /** Waits up to `timeoutMs` for the store; if it is not there, starts with the breaker open. */
  ready(timeoutMs: number): Promise<boolean>
  close(): Promise<void>
}

/** Redis when `REDIS_URL` is set or a sentinel/cluster mode names nodes; else in memory. */
export function usesRedis(redis: RedisConfig): boolean {
  return redis.url !== undefined || redis.mode !== 'standalone'
}

/** The store the config asks for. */
export function createStore(config: Config): CacheStore {
  if (!usesRedis(config.redis)) return new MemoryStore({ maxBytes: config.cache.memoryMaxBytes })
  return new RedisStore(
    createRedisClient(config.redis, { commandTimeoutMs: config.cache.storeTimeoutMs })
  )
}

/**
 * Builds the cache of DESIGN §7 from the config: store (Redis or memory) behind a timeout and a
 * circuit breaker that drive `drive_gateway_cache_store_up` and `…_store_errors_total`, the
 * stage for the proxy app, and `POST /cache/purge` for the admin app.
 *
 * @example
 * const cache = createCache(config, { metrics: registry.metrics, logger })
 * await cache.ready(1_000)
 * await startGateway(config, { logger, metrics: registry, cache: cache.hooks })
 */
export function createCache(config: Config, deps: CacheDeps): Cache {
  const { metrics, logger } = deps
  const store = deps.store ?? createStore(config)
  const breaker = new CircuitBreaker({
    failures: config.cache.breakerFailures,
    cooldownMs: config.cache.breakerCooldownMs,
    onChange(up) {
      metrics.cacheStoreUp.set(up ? 1 : 0)
      if (up) {
        logger.info('cache store is answering again', { store: store.kind })
        // Writes made while the store was away still invalidate what it kept.
        void invalidator.flushPending()
      } else {
        logger.warn('cache store is failing; requests bypass it', {
          store: store.kind,
          retry_in_ms: config.cache.breakerCooldownMs,
        })
      }
    },
  })
  metrics.cacheStoreUp.set(1)
  const guarded = new GuardedStore(store, {
    timeoutMs: config.cache.storeTimeoutMs,
    breaker,
    onError: (operation) => metrics.cacheStoreErrors.inc({ operation }),
  })
  const keys = new CacheKeys({ prefix: config.redis.keyPrefix, secret: config.cache.keySecret })
  const coalescer = new Coalescer()
  const invalidator = new Invalidator({
    store: guarded,
    keys,
    coalescer,
    logger,
    retryMs: config.cache.breakerCooldownMs,
  })
  // Background refreshes have no client connection to share; a few connections suffice.
  const dispatcher = new EnvHttpProxyAgent({ connections: 8, keepAliveTimeout: 60_000 })
  const refresher = new Refresher({
    dispatcher,
    upstreams: config.upstreams,
    headersTimeoutMs: config.upstreamTimeoutMs,
    bodyTimeoutMs: config.upstreamBodyTimeoutMs,
    store: guarded,
    policy: config.cache,
    logger,
  })
  const stage = cacheStage({
    config: config.cache,
    store: guarded,
    keys,
    coalescer,
    invalidator,
    refresher,
    matchRoute: createRouteMatcher(config.routes),
  })
  const purge = { token: config.adminToken, invalidator, logger }
  return {
    hooks: { stage, mountAdmin: (admin) => mountPurge(admin, purge) },
    store,
    async ready(timeoutMs) {
      const ok = await store.ready(timeoutMs)
      if (!ok) {
        breaker.trip()
        logger.warn('cache store not reachable at start-up; requests bypass it until it is', {
          store: store.kind,
        })
      }
      return ok
    },
    async close() {
      invalidator.close()
      await Promise.allSettled([dispatcher.close(), store.close()])
    },
  }
}
