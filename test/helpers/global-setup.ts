import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { startRedisServer } from './redis-server.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

/**
 * Tests that spawn the gateway run the compiled `dist/`, as `npm start` does. `npm test` builds
 * it first; a direct `vitest run` after editing `src/` would test stale code, so build here when
 * any source is newer than the build.
 */
function buildIfStale(): void {
  let built = 0
  try {
    built = statSync(join(ROOT, 'dist/main.js')).mtimeMs
  } catch {
    // not built yet
  }
  if (newestMtime(join(ROOT, 'src')) <= built) return
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  })
}

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
  buildIfStale()
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
