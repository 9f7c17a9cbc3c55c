/**
 * Just enough of the protobuf wire format (protobuf.dev/programming-guides/encoding) to read an
 * OTLP `ExportTraceServiceRequest` (opentelemetry-proto trace/v1/trace.proto) and an
 * `ExportMetricsServiceRequest` (metrics/v1/metrics.proto). The installed
 * OTLP packages only encode, so the test receiver decodes by field number itself.
 */

type Value = bigint | Buffer

function fieldsOf(buf: Buffer): Map<number, Value[]> {
  const fields = new Map<number, Value[]>()
  let pos = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint')
      const byte = buf[pos++]!
      result |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result
      shift += 7n
    }
  }
  while (pos < buf.length) {
    const tag = Number(varint())
    const field = tag >>> 3
    let value: Value
    switch (tag & 7) {
      case 0:
        value = varint()
        break
      case 1:
        value = buf.subarray(pos, (pos += 8))
        break
      case 2: {
        const length = Number(varint())
        value = buf.subarray(pos, (pos += length))
        break
      }
      case 5:
        value = buf.subarray(pos, (pos += 4))
        break
      default:
        throw new Error(`unsupported wire type ${tag & 7}`)
    }
    fields.set(field, [...(fields.get(field) ?? []), value])
  }
  return fields
}

const bytes = (f: Map<number, Value[]>, n: number) =>
  (f.get(n)?.[0] as Buffer | undefined) ?? Buffer.alloc(0)
const all = (f: Map<number, Value[]>, n: number) => (f.get(n) ?? []) as Buffer[]
const num = (f: Map<number, Value[]>, n: number) =>
  Number((f.get(n)?.[0] as bigint | undefined) ?? 0n)
const text = (f: Map<number, Value[]>, n: number) => bytes(f, n).toString('utf8')

export type AttributeValue = string | number | boolean | AttributeValue[]

function anyValue(buf: Buffer): AttributeValue {
  const f = fieldsOf(buf)
  if (f.has(1)) return text(f, 1)
  if (f.has(2)) return num(f, 2) === 1
  if (f.has(3)) return Number(BigInt.asIntN(64, f.get(3)![0] as bigint))
  if (f.has(4)) return bytes(f, 4).readDoubleLE(0)
  if (f.has(5)) return all(fieldsOf(bytes(f, 5)), 1).map(anyValue)
  throw new Error('unsupported AnyValue')
}

function attributes(list: Buffer[]): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {}
  for (const kv of list) {
    const f = fieldsOf(kv)
    out[text(f, 1)] = anyValue(bytes(f, 2))
  }
  return out
}

/** A span as exported over OTLP: ids in hex, kind and status code as OTLP numbers. */
export interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string
  readonly traceState: string
  readonly name: string
  /** 2 = SERVER, 3 = CLIENT (OTLP `SpanKind`). */
  readonly kind: number
  readonly startNanos: bigint
  readonly endNanos: bigint
  readonly attributes: Record<string, AttributeValue>
  /** 0 = UNSET, 1 = OK, 2 = ERROR (OTLP `Status.StatusCode`). */
  readonly statusCode: number
  readonly statusMessage: string
  readonly resource: Record<string, AttributeValue>
  readonly scope: { name: string; version: string }
}

/** Decodes an `ExportTraceServiceRequest` into its spans, each with its resource and scope. */
export function decodeTraceRequest(body: Buffer): OtlpSpan[] {
  const spans: OtlpSpan[] = []
  for (const rs of all(fieldsOf(body), 1)) {
    const r = fieldsOf(rs)
    const resource = attributes(all(fieldsOf(bytes(r, 1)), 1))
    for (const ss of all(r, 2)) {
      const s = fieldsOf(ss)
      const scopeFields = fieldsOf(bytes(s, 1))
      const scope = { name: text(scopeFields, 1), version: text(scopeFields, 2) }
      for (const sp of all(s, 2)) {
        const f = fieldsOf(sp)
        const status = fieldsOf(bytes(f, 15))
        spans.push({
          traceId: bytes(f, 1).toString('hex'),
          spanId: bytes(f, 2).toString('hex'),
          traceState: text(f, 3),
          parentSpanId: bytes(f, 4).toString('hex'),
          name: text(f, 5),
          kind: num(f, 6),
          startNanos: bytes(f, 7).readBigUInt64LE(0),
          endNanos: bytes(f, 8).readBigUInt64LE(0),
          attributes: attributes(all(f, 9)),
          statusMessage: text(status, 2),
          statusCode: num(status, 3),
          resource,
          scope,
        })
      }
    }
  }
  return spans
}

// ExportMetricsServiceRequest (opentelemetry-proto metrics/v1/metrics.proto). Repeated fixed64
// and double fields arrive packed (one length-delimited field) or one by one; both are read.
function eightByteValues(f: Map<number, Value[]>, n: number): Buffer[] {
  const out: Buffer[] = []
  for (const value of all(f, n)) {
    for (let i = 0; i + 8 <= value.length; i += 8) out.push(value.subarray(i, i + 8))
  }
  return out
}
const fixed64 = (f: Map<number, Value[]>, n: number) =>
  f.has(n) ? Number(bytes(f, n).readBigUInt64LE(0)) : undefined
const double = (f: Map<number, Value[]>, n: number) =>
  f.has(n) ? bytes(f, n).readDoubleLE(0) : undefined

/** One data point: a number (gauge, sum) or an explicit-bucket histogram. */
export interface OtlpPoint {
  readonly attributes: Record<string, AttributeValue>
  readonly startNanos: bigint
  readonly timeNanos: bigint
  readonly value?: number
  readonly count?: number
  readonly sum?: number
  /** Per-bucket counts, one more than the bounds (OTLP `bucket_counts`). */
  readonly bucketCounts?: number[]
  readonly bounds?: number[]
}

export interface OtlpMetric {
  readonly name: string
  readonly description: string
  readonly unit: string
  readonly type: 'gauge' | 'sum' | 'histogram' | 'other'
  readonly monotonic: boolean
  /** 1 = DELTA, 2 = CUMULATIVE (OTLP `AggregationTemporality`). */
  readonly temporality: number
  readonly points: OtlpPoint[]
  readonly resource: Record<string, AttributeValue>
  readonly scope: { name: string; version: string }
}

function numberPoint(buf: Buffer): OtlpPoint {
  const f = fieldsOf(buf)
  return {
    attributes: attributes(all(f, 7)),
    startNanos: f.has(2) ? bytes(f, 2).readBigUInt64LE(0) : 0n,
    timeNanos: f.has(3) ? bytes(f, 3).readBigUInt64LE(0) : 0n,
    value: f.has(4) ? double(f, 4) : f.has(6) ? Number(bytes(f, 6).readBigInt64LE(0)) : undefined,
  }
}

function histogramPoint(buf: Buffer): OtlpPoint {
  const f = fieldsOf(buf)
  return {
    attributes: attributes(all(f, 9)),
    startNanos: f.has(2) ? bytes(f, 2).readBigUInt64LE(0) : 0n,
    timeNanos: f.has(3) ? bytes(f, 3).readBigUInt64LE(0) : 0n,
    count: fixed64(f, 4),
    sum: double(f, 5),
    bucketCounts: eightByteValues(f, 6).map((b) => Number(b.readBigUInt64LE(0))),
    bounds: eightByteValues(f, 7).map((b) => b.readDoubleLE(0)),
  }
}

/** Decodes an `ExportMetricsServiceRequest` into its metrics, each with its resource and scope. */
export function decodeMetricsRequest(body: Buffer): OtlpMetric[] {
  const metrics: OtlpMetric[] = []
  for (const rm of all(fieldsOf(body), 1)) {
    const r = fieldsOf(rm)
    const resource = attributes(all(fieldsOf(bytes(r, 1)), 1))
    for (const sm of all(r, 2)) {
      const s = fieldsOf(sm)
      const scopeFields = fieldsOf(bytes(s, 1))
      const scope = { name: text(scopeFields, 1), version: text(scopeFields, 2) }
      for (const m of all(s, 2)) {
        const f = fieldsOf(m)
        const base = {
          name: text(f, 1),
          description: text(f, 2),
          unit: text(f, 3),
          resource,
          scope,
        }
        if (f.has(5)) {
          const g = fieldsOf(bytes(f, 5))
          metrics.push({ ...base, type: 'gauge', monotonic: false, temporality: 0, points: all(g, 1).map(numberPoint) }) // prettier-ignore
        } else if (f.has(7)) {
          const g = fieldsOf(bytes(f, 7))
          metrics.push({ ...base, type: 'sum', monotonic: num(g, 3) === 1, temporality: num(g, 2), points: all(g, 1).map(numberPoint) }) // prettier-ignore
        } else if (f.has(9)) {
          const g = fieldsOf(bytes(f, 9))
          metrics.push({ ...base, type: 'histogram', monotonic: false, temporality: num(g, 2), points: all(g, 1).map(histogramPoint) }) // prettier-ignore
        } else {
          metrics.push({ ...base, type: 'other', monotonic: false, temporality: 0, points: [] })
        }
      }
    }
  }
  return metrics
}
