import type { OriginHandler } from './origin.ts'

/**
 * An origin handler that answers 200 with exactly `headers` (a flat name, value list, sent in
 * that order and with those bytes) and a JSON body naming the origin's request counter, so a
 * test can tell a stored answer from a new one.
 */
export function exactly(headers: readonly string[]): OriginHandler {
  return (req, res, n) => {
    const body = Buffer.from(JSON.stringify({ n }))
    const flat = ['Content-Type', 'application/json', 'Content-Length', String(body.length)]
    res.writeHead(200, [...flat, ...headers])
    res.end(req.method === 'HEAD' ? undefined : body)
  }
}

/** The origin's request counter in a body made by {@link exactly}. */
export function servedBy(body: Buffer): number {
  return (JSON.parse(body.toString('utf8')) as { n: number }).n
}
