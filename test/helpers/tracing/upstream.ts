import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SeenRequest {
  readonly method: string
  readonly url: string
  /** As received: names in their case, order and repeats kept. */
  readonly rawHeaders: string[]
}

export interface Upstream {
  readonly url: string
  readonly seen: SeenRequest[]
  close(): Promise<void>
}

/**
 * A real `node:http` upstream on port 0. Unless the handler answers, it replies as the request's
 * headers say: `x-test-status` (default 200), with a Drive error body naming `x-test-code`,
 * after `x-test-delay-ms`; `x-test-break` sends half of a large body, then resets.
 */
export async function startUpstream(
  handler?: (req: IncomingMessage, res: ServerResponse) => boolean
): Promise<Upstream> {
  const seen: SeenRequest[] = []
  const timers = new Set<NodeJS.Timeout>()
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders })
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer)
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Every value of a header in a raw `[name, value, …]` list, matched case-insensitively. */
export function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!)
  }
  return values
}
