// The Node floor: the least a Node reverse proxy does per request, to measure the gateway
// against. node:http server + `undici` Pool.request (keep-alive), hop-by-hop headers dropped
// both ways (RFC 9110 §7.6.1), a small body answered in one write, a large one piped. No
// routing, metrics, logs or cache. Run as its own process by the bench:
// `PEER_PORT=0 UPSTREAM_URL=http://127.0.0.1:8081 node bench/peers/floor.ts`.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pipeline } from 'node:stream'
import { Pool } from 'undici'

const upstream = process.env.UPSTREAM_URL
if (!upstream) throw new Error('UPSTREAM_URL is required')
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
])
// Below this many bytes one write is cheaper than a pipe (about half the CPU for API-sized JSON).
const BUFFER_BELOW = 64 * 1024

const pool = new Pool(upstream, { connections: 128, keepAliveTimeout: 60_000 })

const server = createServer((req, res) => {
  const raw = req.rawHeaders
  const headers: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP.has(raw[i]!.toLowerCase())) headers.push(raw[i]!, raw[i + 1]!)
  }
  const body = req.method === 'GET' || req.method === 'HEAD' ? null : req
  pool.request({ method: req.method as 'GET', path: req.url!, headers, body }).then(
    (up) => {
      const out = up.headers
      for (const name of HOP) delete out[name]
      res.writeHead(up.statusCode, out as Record<string, string | string[]>)
      const length = Number(out['content-length'])
      if (length < BUFFER_BELOW) {
        const chunks: Buffer[] = []
        up.body.on('data', (chunk: Buffer) => chunks.push(chunk))
        up.body.once('end', () => res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)))
        up.body.once('error', () => res.destroy())
      } else {
        pipeline(up.body, res, () => {})
      }
    },
    () => {
      res.writeHead(502, { 'content-length': '0' })
      res.end()
    }
  )
})
server.keepAliveTimeout = 65_000
server.listen(Number(process.env.PEER_PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  console.log(`node floor listening on http://127.0.0.1:${port}`)
})
