import type { IncomingMessage, ServerResponse } from 'node:http'
import { startOrigin, type Origin } from '../origin.ts'

export { headerValues } from '../../../src/http/headers.ts'

/** A request as the upstream saw it (names in their case, order and repeats kept). */
export type SeenRequest = Origin['seen'][number]

export interface Upstream {
  readonly url: string
  readonly seen: SeenRequest[]
  close(): Promise<void>
}

/**
 * A real `node:http` upstream on port 0 (`startOrigin`). Unless the handler answers, it replies
 * as the request's headers say: `x-test-status` (default 200), with a Drive error body naming
 * `x-test-code`, after `x-test-delay-ms`; `x-test-break` sends half of a large body, then resets.
 */
export async function startUpstream(
  handler?: (req: IncomingMessage, res: ServerResponse) => boolean
): Promise<Upstream> {
  const timers = new Set<NodeJS.Timeout>()
  const origin = await startOrigin((req, res) => {
    req.resume()
    if (handler?.(req, res)) return
    if (req.headers['x-test-break']) {
      // Larger than the gateway reads whole, so the body streams and then breaks.
      res.writeHead(200, { 'content-length': String(256 * 1024) })
      res.write(Buffer.alloc(128 * 1024, 'x'), () => res.destroy())
      return
    }
    const status = Number(req.headers['x-test-status'] ?? 200)
    const code = req.headers['x-test-code']
    const body = code ? JSON.stringify({ code, description: 'simulated' }) : '{"ok":true}'
    const reply = () => {
      if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end(body)
    }
    const delay = Number(req.headers['x-test-delay-ms'] ?? 0)
    if (delay === 0) return reply()
    const timer = setTimeout(() => {
      timers.delete(timer)
      reply()
    }, delay)
    timers.add(timer)
  })
  return {
    url: origin.url,
    seen: origin.seen,
    close: () => {
      for (const timer of timers) clearTimeout(timer)
      return origin.close()
    },
  }
}
