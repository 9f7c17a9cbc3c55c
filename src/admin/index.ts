import { Hono } from 'hono'
import type { Readiness } from '../lifecycle/readiness.ts'

export interface AdminOptions {
  readonly readiness: Readiness
  /** Renders `/metrics` for the scraper's `Accept` header. */
  readonly renderMetrics: (
    accept: string | undefined
  ) => Promise<{ body: string; contentType: string }>
  /** Extra admin routes (cache purge), mounted by their owners. */
  readonly extend?: (app: Hono) => void
}

/**
 * The admin listener: `/metrics`, `/healthz` (the process answers: for liveness, with no
 * dependency on the upstream or Redis, so their outages cause no restart storm) and `/readyz`
 * (config loaded and listener up; 503 while draining).
 */
export function createAdminApp({ readiness, renderMetrics, extend }: AdminOptions): Hono {
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', (c) =>
    readiness.ready ? c.json({ status: 'ready' }) : c.json({ status: 'not ready' }, 503)
  )
  app.get('/metrics', async (c) => {
    const { body, contentType } = await renderMetrics(c.req.header('accept'))
    return c.body(body, 200, { 'content-type': contentType })
  })
  extend?.(app)
  return app
}
