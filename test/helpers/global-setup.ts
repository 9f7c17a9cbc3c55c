import type { TestProject } from 'vitest/node'
import { startRedisServer } from './redis-server.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis the suite uses: `REDIS_URL` when set, else a `redis-server` started here. */
    redisUrl: string
    /** True when the suite started its own Redis (tests may then flush it). */
    redisOwned: boolean
  }
}

/**
 * With `REDIS_URL` set, tests use that Redis with unique key prefixes and never flush it;
 * otherwise the suite starts its own `redis-server` on a free port and stops it at the end.
 */
export default async function setup(project: TestProject) {
  const external = process.env.REDIS_URL
  if (external) {
    project.provide('redisUrl', external)
    project.provide('redisOwned', false)
    return
  }
  const server = await startRedisServer()
  project.provide('redisUrl', server.url)
  project.provide('redisOwned', true)
  return () => server.stop()
}
