import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Origin {
  readonly url: string
  readonly port: number
  /** Requests as the origin saw them: method, url, raw headers. */
  readonly seen: { method: string; url: string; rawHeaders: string[] }[]
  close(): Promise<void>
}

/** A real `node:http` upstream on port 0 with a test-defined handler. */
export async function startOrigin(
  handler: (req: IncomingMessage, res: ServerResponse) => void
): Promise<Origin> {
  const seen: Origin['seen'] = []
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders })
    handler(req, res)
  })
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface RawResponse {
  status: number
  statusMessage: string
  rawHeaders: string[]
  body: Buffer
  /** True when the body ended cleanly, false when the connection broke mid-body. */
  complete: boolean
}

/** A plain `node:http` client: keeps the reason phrase, raw headers and exact body bytes. */
export function rawRequest(
  url: string,
  options: {
    method?: string
    headers?: Record<string, string> | string[]
    body?: Buffer | string
  } = {}
): Promise<RawResponse> {
  const target = new URL(url)
  // The path is taken as written: new URL would resolve the `..` segments a test means to send.
  const path = url.slice(url.indexOf('/', url.indexOf('//') + 2))
  // Node adds no Host when headers are a raw array, and HTTP/1.1 without Host is a 400.
  const raw = Array.isArray(options.headers) ? options.headers : undefined
  const headers =
    raw && !raw.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'host')
      ? ['Host', target.host, ...raw]
      : options.headers
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path,
        method: options.method ?? 'GET',
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        const done = (complete: boolean) =>
          resolve({
            status: res.statusCode!,
            statusMessage: res.statusMessage!,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
            complete,
          })
        res.on('end', () => done(res.complete))
        res.on('error', () => done(false))
        res.on('aborted', () => done(false))
      }
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** Header pairs without the ones every hop adds (connection management, our own). */
export function endToEndHeaders(rawHeaders: string[], drop: string[] = []): string[][] {
  const skip = new Set([
    'connection',
    'keep-alive',
    'transfer-encoding',
    'x-request-id',
    'x-cache-status',
    'age',
    ...drop,
  ])
  const pairs: string[][] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!skip.has(rawHeaders[i]!.toLowerCase())) pairs.push([rawHeaders[i]!, rawHeaders[i + 1]!])
  }
  return pairs
}

/** GETs `url`, reads the body to its end (so the response is finished), returns the status. */
export async function fetchStatus(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers })
  await res.arrayBuffer()
  return res.status
}
