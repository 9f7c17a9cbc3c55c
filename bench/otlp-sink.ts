// A small OTLP/HTTP receiver for the tracing row: answers every export 200 and counts requests,
// bytes and spans (by kind), so the bench can tell that spans really left the gateway.
// Run as its own process (`SINK_PORT=0 node bench/otlp-sink.ts`) so its CPU is measured apart;
// it prints `otlp sink listening on http://127.0.0.1:PORT`. `GET /stats` returns the counts.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

interface Stats {
  requests: number
  bytes: number
  spans: number
  serverSpans: number
  clientSpans: number
  undecoded: number
  byPath: Record<string, number>
}

const stats: Stats = {
  requests: 0,
  bytes: 0,
  spans: 0,
  serverSpans: 0,
  clientSpans: 0,
  undecoded: 0,
  byPath: {},
}

type FieldVisitor = (field: number, start: number, end: number, varint: number) => void

// Walks the protobuf fields of buf[start, end); LEN fields give their byte range, varints their
// value. Enough of the wire format to count spans in an ExportTraceServiceRequest.
function walk(buf: Buffer, start: number, end: number, visit: FieldVisitor): void {
  let i = start
  const varint = (): number => {
    let value = 0
    let scale = 1
    for (;;) {
      if (i >= end) throw new Error('truncated varint')
      const b = buf[i++]!
      value += (b & 0x7f) * scale
      if (b < 0x80) return value
      scale *= 128
    }
  }
  while (i < end) {
    const tag = varint()
    const field = Math.floor(tag / 8)
    const wire = tag & 7
    if (wire === 0) visit(field, i, i, varint())
    else if (wire === 1) i += 8
    else if (wire === 5) i += 4
    else if (wire === 2) {
      const len = varint()
      visit(field, i, i + len, len)
      i += len
    } else throw new Error(`wire type ${wire}`)
  }
}

const SPAN_KIND_SERVER = 2
const SPAN_KIND_CLIENT = 3

function countProtobuf(body: Buffer): void {
  // ExportTraceServiceRequest.resource_spans = 1; ResourceSpans.scope_spans = 2;
  // ScopeSpans.spans = 2; Span.kind = 6.
  walk(body, 0, body.length, (f1, s1, e1) => {
    if (f1 !== 1) return
    walk(body, s1, e1, (f2, s2, e2) => {
      if (f2 !== 2) return
      walk(body, s2, e2, (f3, s3, e3) => {
        if (f3 !== 2) return
        stats.spans++
        walk(body, s3, e3, (f4, _s, _e, value) => {
          if (f4 !== 6) return
          if (value === SPAN_KIND_SERVER) stats.serverSpans++
          else if (value === SPAN_KIND_CLIENT) stats.clientSpans++
        })
      })
    })
  })
}

interface JsonExport {
  resourceSpans?: { scopeSpans?: { spans?: { kind?: number | string }[] }[] }[]
}

function countJson(body: Buffer): void {
  const data = JSON.parse(body.toString('utf8')) as JsonExport
  for (const rs of data.resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? [])
      for (const span of ss.spans ?? []) {
        stats.spans++
        if (span.kind === SPAN_KIND_SERVER || span.kind === 'SPAN_KIND_SERVER') stats.serverSpans++
        if (span.kind === SPAN_KIND_CLIENT || span.kind === 'SPAN_KIND_CLIENT') stats.clientSpans++
      }
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats))
    return
  }
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    let body = Buffer.concat(chunks)
    const path = (req.url ?? '/').split('?')[0]!
    stats.requests++
    stats.bytes += body.length
    stats.byPath[path] = (stats.byPath[path] ?? 0) + 1
    const json = (req.headers['content-type'] ?? '').includes('json')
    if (path.endsWith('/v1/traces')) {
      try {
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
        if (json) countJson(body)
        else countProtobuf(body)
      } catch {
        stats.undecoded++
      }
    }
    // An empty Export*ServiceResponse: zero protobuf bytes, or `{}` in JSON.
    if (json) res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
  })
})
server.keepAliveTimeout = 65_000

server.listen(Number(process.env.SINK_PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  console.log(`otlp sink listening on http://127.0.0.1:${port}`)
})

const stop = () => server.close(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
