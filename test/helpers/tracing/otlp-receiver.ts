import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import {
  decodeMetricsRequest,
  decodeTraceRequest,
  type OtlpMetric,
  type OtlpSpan,
} from './otlp-decode.ts'

/** One `POST /v1/metrics` in protobuf: its size on the wire and its metrics. */
export interface MetricsExport {
  readonly bytes: number
  /** When it arrived (`Date.now()`). */
  readonly at: number
  readonly metrics: OtlpMetric[]
}

export interface OtlpReceiver {
  /** The base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it. */
  readonly url: string
  /** Spans decoded from every `POST /v1/traces`. */
  readonly spans: OtlpSpan[]
  /** Every protobuf `POST /v1/metrics`, decoded, in arrival order. */
  readonly pushes: MetricsExport[]
  /** Every JSON `POST /v1/metrics`, parsed. */
  readonly jsonPushes: unknown[]
  /** Every request as `METHOD path content-type`, metrics and logs pushes included. */
  readonly requests: string[]
  /** The `authorization` header of every request, as sent (`undefined` when absent). */
  readonly authorizations: (string | undefined)[]
  close(): Promise<void>
}

/**
 * A small OTLP/HTTP receiver on port 0: accepts `application/x-protobuf` trace and metrics
 * exports (gzip or not) and JSON metrics exports, decodes them, and answers with an empty
 * export response.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: OtlpSpan[] = []
  const requests: string[] = []
  const authorizations: (string | undefined)[] = []
  const pushes: MetricsExport[] = []
  const jsonPushes: unknown[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const type = req.headers['content-type']
      requests.push(`${req.method} ${req.url} ${type}`)
      authorizations.push(req.headers.authorization)
      let body = Buffer.concat(chunks)
      const size = body.length
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
      if (req.url === '/v1/traces' && type === 'application/x-protobuf') {
        spans.push(...decodeTraceRequest(body))
      } else if (req.url === '/v1/metrics' && type === 'application/x-protobuf') {
        pushes.push({ bytes: size, at: Date.now(), metrics: decodeMetricsRequest(body) })
      } else if (req.url === '/v1/metrics' && type === 'application/json') {
        jsonPushes.push(JSON.parse(body.toString('utf8')))
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
        return
      } else {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    pushes,
    jsonPushes,
    requests,
    authorizations,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
