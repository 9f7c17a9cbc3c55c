import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api'

/** The ids of a W3C `traceparent`, as lower-case hex. */
export interface TraceParent {
  readonly traceId: string
  readonly parentId: string
  readonly sampled: boolean
}

// W3C Trace Context §3.2: version "-" trace-id "-" parent-id "-" trace-flags. Later versions may
// append fields after a dash, so only version 00 must end after the flags (§3.2.4).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const ZERO_TRACE_ID = '0'.repeat(32)
const ZERO_PARENT_ID = '0'.repeat(16)

/**
 * Parses a `traceparent` header the way the W3C propagator would, without the SDK: used when no
 * spans are made, so logs still carry the caller's trace id. Anything invalid is `undefined`.
 */
export function parseTraceparent(value: string | string[] | undefined): TraceParent | undefined {
  // Repeated headers are joined by Node; a repeated traceparent is invalid (§3.2).
  if (typeof value !== 'string') return undefined
  const m = TRACEPARENT.exec(value.trim())
  if (!m) return undefined
  const [, version, traceId, parentId, flags, rest] = m
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_PARENT_ID) return undefined
  return { traceId: traceId!, parentId: parentId!, sampled: (parseInt(flags!, 16) & 1) === 1 }
}

/** Removes every copy of a field from a flat `[name, value, …]` list, in place. */
export function removeHeader(headers: string[], name: string): void {
  let write = 0
  for (let read = 0; read < headers.length; read += 2) {
    const field = headers[read]!
    if (field.length === name.length && field.toLowerCase() === name) continue
    headers[write++] = field
    headers[write++] = headers[read + 1]!
  }
  headers.length = write
}

/**
 * Writes propagation fields last in the upstream header list, after deleting any copy the client
 * sent, so no stale second `traceparent` can reach the upstream (instrumentation-undici does the
 * same).
 */
export const flatHeaderSetter: TextMapSetter<string[]> = {
  set(headers, key, value) {
    removeHeader(headers, key)
    headers.push(key, value)
  },
}

type IncomingHeaders = Record<string, string | string[] | undefined>

/** Reads propagation fields from Node's (lower-cased) incoming headers. */
export const incomingHeaderGetter: TextMapGetter<IncomingHeaders> = {
  get: (headers, key) => headers[key],
  keys: (headers) => Object.keys(headers),
}
