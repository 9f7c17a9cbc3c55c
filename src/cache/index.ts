import type { CacheHooks } from '../app.ts'
import type { Config, RedisConfig } from '../config/types.ts'
import type { Logger } from '../logging/logger.ts'
import type { Forward } from '../proxy/forward.ts'
import { CircuitBreaker, refusesWrites } from './breaker.ts'
import { Coalescer } from './coalescer.ts'
import { GuardedStore, type StoreOperation } from './guarded-store.ts'
import { Invalidator } from './invalidation.ts'
import { CacheKeys } from './key.ts'
import { MemoryStore } from './memory-store.ts'
import { ParentHints } from './parent-hints.ts'
import { mountPurge } from './purge.ts'
import { RedisStore } from './redis-store.ts'
import { createRouteMatcher } from '../routes/match.ts'
import { Refresher } from './refresher.ts'
import { cacheStage } from './stage.ts'
import type { CacheStore } from './store.ts'

export type { CacheStore } from './store.ts'
export { MemoryStore } from './memory-store.ts'
export { RedisStore } from './redis-store.ts'

/** How the cache reports its store's health; start-up wires these to the gauge and counter. */
export interface StoreHealth {
  /** The breaker closed (true) or opened (false); also called once at start with true. */
  onUp(up: boolean): void
  /** A store call failed, timed out, or returned a value that does not decode. */
  onError(operation: StoreOperation): void
}

export interface CacheDeps {
  /** The gateway's one upstream client, for background refreshes. */
  readonly forward: Forward
  readonly health: StoreHealth
  readonly logger: Logger
  /** The store (`createStore(config)`, or one a test makes). */
  readonly store: CacheStore
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

/**
 * The store the config asks for. ioredis is loaded only when Redis is configured: a gateway
 * with the memory store does not carry it (about 8 MB of resident memory).
 */
export async function createStore(config: Config): Promise<CacheStore> {
  if (!usesRedis(config.redis)) return new MemoryStore({ maxBytes: config.cache.memoryMaxBytes })
  const { createRedisClient } = await import('./redis-client.ts')
  return new RedisStore(
    createRedisClient(config.redis, { commandTimeoutMs: config.cache.storeTimeoutMs })
  )
}

/**
 * Builds the cache from the config (docs/architecture.md, "Cache"): the store (Redis or memory)
 * behind a timeout and a circuit breaker, whose health goes to `deps.health`; the stage for the
 * proxy app; and `POST /cache/purge` for the admin app. It records no metrics itself.
 *
 * @example
 * const cache = createCache(config, { forward, health, logger })
 * await cache.ready(1_000)
 * await startGateway(config, { logger, forward, metrics: registry, cache: cache.hooks })
 */
export function createCache(config: Config, deps: CacheDeps): Cache {
  const { health, logger } = deps
  const { store } = deps
  const breaker = new CircuitBreaker({
    failures: config.cache.breakerFailures,
    cooldownMs: config.cache.breakerCooldownMs,
    // Bumps missed while the store was away are replayed as the probe, before any read.
    mayProbe: (): boolean => invalidator.mayProbe(),
    onChange(up) {
      health.onUp(up)
      if (up) {
        logger.info('cache store is answering again', { store: store.kind })
      } else {
        logger.warn('cache store is failing; requests bypass it', {
          store: store.kind,
          retry_in_ms: config.cache.breakerCooldownMs,
        })
      }
    },
  })
  health.onUp(true)
  const guarded = new GuardedStore(store, {
    timeoutMs: config.cache.storeTimeoutMs,
    breaker,
    onError(operation, error) {
      health.onError(operation)
      // A store that serves reads but refuses writes is down: nothing written there would hold.
      if (refusesWrites(error)) breaker.trip()
    },
  })
  const keys = new CacheKeys({ prefix: config.redis.keyPrefix, secret: config.cache.keySecret })
  const coalescer = new Coalescer()
  const invalidator = new Invalidator({
    store: guarded,
    keys,
    coalescer,
    logger,
    retryMs: config.cache.breakerCooldownMs,
    // A bump the store did not take makes it down for everyone until the replay succeeds.
    onBumpFailed: () => breaker.trip(),
  })
  const refresher = new Refresher({
    forward: deps.forward,
    headersTimeoutMs: config.upstreamTimeoutMs,
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
    forward: deps.forward,
    matchRoute: createRouteMatcher(config.routes),
    hints: new ParentHints(),
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
      await store.close()
    },
  }
}
