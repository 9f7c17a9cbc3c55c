import { createHash, timingSafeEqual } from 'node:crypto'
import type { Hono } from 'hono'
import type { Logger } from '../logging/logger.ts'
import type { Invalidator } from './invalidation.ts'

export interface PurgeOptions {
  /** `ADMIN_TOKEN`; unset = the route answers 404, as if it did not exist. */
  readonly token: string | undefined
  readonly invalidator: Invalidator
  readonly logger: Logger
}

const USAGE = 'expected {"resourceKey": "<id>"} or {"all": true}'

// Digests first, so the comparison takes the same time whatever the lengths.
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

function bearer(authorization: string | undefined): string | undefined {
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '')
  return match?.[1]
}

/**
 * `POST /cache/purge` on the admin listener (docs/architecture.md, "Cache"): `Authorization: Bearer
 * $ADMIN_TOKEN`, body `{"resourceKey": "…"}` (every cached lookup naming that resource, as resource
 * or parent, for every caller) or `{"all": true}`. 401 without or with a wrong token, 400 for
 * another body, 503 when the store cannot be reached (nothing was purged), 200 when done.
 *
 * @example
 * mountPurge(admin, { token: config.adminToken, invalidator, logger })
 */
export function mountPurge(admin: Hono, { token, invalidator, logger }: PurgeOptions): void {
  admin.post('/cache/purge', async (c) => {
    if (token === undefined) return c.notFound()
    const given = bearer(c.req.header('authorization'))
    if (given === undefined || !sameSecret(given, token)) {
      c.header('WWW-Authenticate', 'Bearer realm="drive-gateway admin"')
      return c.json({ error: 'a valid admin bearer token is required' }, 401)
    }
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      return c.json({ error: USAGE }, 400)
    }
    const { resourceKey, all } = (body ?? {}) as { resourceKey?: unknown; all?: unknown }
    const target =
      all === true && resourceKey === undefined
        ? ('all' as const)
        : typeof resourceKey === 'string' && resourceKey !== '' && all === undefined
          ? { resource: resourceKey }
          : undefined
    if (target === undefined) return c.json({ error: USAGE }, 400)
    try {
      await invalidator.purge(target)
    } catch {
      return c.json({ error: 'the cache store did not answer; nothing was purged' }, 503)
    }
    // The resource key itself is not logged: it decodes to owner ids (LOG_PATHS).
    logger.info('cache purged', { scope: target === 'all' ? 'all' : 'resource' })
    return c.json(target === 'all' ? { purged: 'all' } : { purged: 'resource', resourceKey })
  })
}
