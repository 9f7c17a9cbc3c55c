import { randomUUID } from 'node:crypto'
import { inject } from 'vitest'
import { startTestGateway, type TestGateway } from '../gateway.ts'

/** A key prefix no other test (or other user of an external `REDIS_URL`) writes under. */
export function uniquePrefix(): string {
  return `dgw-test:${randomUUID().slice(0, 8)}:`
}

/**
 * A real gateway in front of `upstreamUrl` caching in the suite's Redis under a fresh prefix;
 * `env` overrides anything (e.g. `{ CACHE: 'off' }`). The store timeout is raised from its 50 ms
 * default because test files run in parallel on few cores, where a healthy Redis can be slower
 * than that; the tests of store failure set their own.
 */
export function startCachingGateway(
  upstreamUrl: string,
  env: Record<string, string> = {}
): Promise<TestGateway> {
  return startTestGateway({
    UPSTREAM_URL: upstreamUrl,
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: uniquePrefix(),
    CACHE_STORE_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'warn',
    ...env,
  })
}

/** A gateway with the in-process memory store (no `REDIS_URL`). */
export function startMemoryGateway(
  upstreamUrl: string,
  env: Record<string, string> = {}
): Promise<TestGateway> {
  return startTestGateway({
    UPSTREAM_URL: upstreamUrl,
    CACHE_STORE_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'warn',
    ...env,
  })
}
