import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { decodeTraceRequest, type OtlpSpan } from './otlp-decode.ts'

export interface OtlpReceiver {
  /** The base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it. */
  readonly url: string
  /** Spans decoded from every `POST /v1/traces`. */
  readonly spans: OtlpSpan[]
  /** Every request as `METHOD path content-type`, metrics and logs pushes included. */
  readonly requests: string[]
  close(): Promise<void>
}

/**
 * A small OTLP/HTTP receiver on port 0: accepts `application/x-protobuf` trace exports (gzip or
 * not), decodes them, and answers with an empty `ExportTraceServiceResponse`.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: OtlpSpan[] = []
  const requests: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${req.headers['content-type']}`)
      if (req.url !== '/v1/traces' || req.headers['content-type'] !== 'application/x-protobuf') {
        res.writeHead(404).end()
        return
      }
      let body = Buffer.concat(chunks)
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
      spans.push(...decodeTraceRequest(body))
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
