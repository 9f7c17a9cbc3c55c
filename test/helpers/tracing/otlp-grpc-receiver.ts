import {
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js'
import { decodeMetricsRequest, type OtlpMetric } from './otlp-decode.ts'

export interface OtlpGrpcReceiver {
  /** `http://127.0.0.1:port`, as `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` takes it for gRPC. */
  readonly url: string
  /** Each `MetricsService/Export` call, decoded. */
  readonly pushes: OtlpMetric[][]
  close(): Promise<void>
}

const same = (buffer: Buffer) => buffer

// The OTLP metrics service (opentelemetry-proto collector/metrics/v1/metrics_service.proto),
// with messages left as bytes: the same decoder as the HTTP receiver reads them.
const METRICS_SERVICE: ServiceDefinition = {
  Export: {
    path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    requestStream: false,
    responseStream: false,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  },
}

/** A plaintext OTLP/gRPC metrics receiver on port 0, answering each export with an empty reply. */
export async function startOtlpGrpcReceiver(): Promise<OtlpGrpcReceiver> {
  const pushes: OtlpMetric[][] = []
  const server = new Server()
  server.addService(METRICS_SERVICE, {
    Export(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) {
      pushes.push(decodeMetricsRequest(call.request))
      callback(null, Buffer.alloc(0))
    },
  })
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound)
    )
  )
  return {
    url: `http://127.0.0.1:${port}`,
    pushes,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  }
}
