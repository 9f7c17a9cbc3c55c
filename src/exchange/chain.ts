import type { MiddlewareHandler } from 'hono'
import type { GatewayEnv } from './stage.ts'

const DONE: Promise<void> = Promise.resolve()

/**
 * Runs the stages as one Hono middleware, outermost first, each handed a `next` that runs the
 * rest (the same contract as Hono's `compose`). Hono then sees a single handler and takes its
 * fast path, without `compose`'s per-stage async frame, error wrapper and router bookkeeping:
 * every proxied request runs this chain, so that saving is paid back on every request.
 *
 * A stage that throws (or rejects) rejects the chain up to the stage that awaits it; the
 * exchange stage, outermost, turns that into an `INTERNAL_ERROR` reply.
 *
 * @example
 * proxy.use(chainStages([exchangeStage(...), requestIdStage(), upstreamStage(...)]))
 */
export function chainStages(
  stages: readonly MiddlewareHandler<GatewayEnv>[]
): MiddlewareHandler<GatewayEnv> {
  const last = stages.length
  return function chain(c) {
    const run = (i: number): Promise<void> => {
      if (i === last) return DONE
      try {
        return stages[i]!(c, () => run(i + 1)) as Promise<void>
      } catch (error) {
        return Promise.reject(error)
      }
    }
    return run(0) as Promise<void>
  }
}
