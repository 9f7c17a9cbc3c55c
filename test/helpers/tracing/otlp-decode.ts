/**
 * Just enough of the protobuf wire format (protobuf.dev/programming-guides/encoding) to read an
 * OTLP `ExportTraceServiceRequest` (opentelemetry-proto trace/v1/trace.proto). The installed
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
