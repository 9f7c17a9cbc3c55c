import { validateHeaderName, validateHeaderValue } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'

/** Shapes of error bodies: API 1.0 Drive server, API 2.0, API 1.0 API Gateway. */
export type ErrorShape = 'drive' | 'v2' | 'gateway'

/** Values of `x-sim-body`; several may be combined with commas (`huge,gzip`). */
export const BODY_VARIANTS = [
  'not-json',
  'truncated',
  'gzip',
  'br',
  'deflate',
  'huge',
  'empty',
  'bad-code',
  'random-code',
  'numeric-code',
  'both-codes',
] as const
export type BodyVariant = (typeof BODY_VARIANTS)[number]

/** Values of `x-sim-fault`. */
export const FAULT_MODES = [
  'hang',
  'reset',
  'reset-mid-body',
  'bad-status',
  'garbage',
  'slow-body',
] as const
export type FaultMode = (typeof FAULT_MODES)[number]

/** What one request asks of the simulator, from `x-sim-*` headers or `sim-*` query parameters. */
export interface Controls {
  /** Some control was given: fault rates then leave the request alone. */
  readonly explicit: boolean
  readonly status?: number
  readonly code?: string
  readonly delayMs?: number
  readonly errorShape: ErrorShape
  readonly body: ReadonlySet<BodyVariant>
  readonly fault?: FaultMode
  readonly chunkDelayMs: number
  readonly chunkBytes?: number
  /** Extra response headers, in order, repeats kept. */
  readonly headers: readonly (readonly [string, string])[]
  readonly echo: boolean
  readonly etag: boolean
  readonly cacheControl?: string
  readonly download?: 'bytes' | 'redirect'
  /** Download size, or the size of a `huge` body. */
  readonly size?: number
}

/** A control with a value the simulator cannot act on; answered 400 so a bad test fails loudly. */
export class ControlError extends Error {
  override name = 'ControlError'
}

const NONE: Controls = Object.freeze({
  explicit: false,
  errorShape: 'drive',
  body: new Set<BodyVariant>(),
  chunkDelayMs: 100,
  headers: [],
  echo: false,
  etag: false,
})

const ERROR_SHAPES: readonly ErrorShape[] = ['drive', 'v2', 'gateway']
const DOWNLOAD_MODES = ['bytes', 'redirect'] as const

// Framing stays the simulator's own: a test that wants broken framing uses a fault mode.
const FRAMING = new Set(['content-length', 'transfer-encoding'])

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text)
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ControlError(`expected ${name} to be an integer ${min}-${max}, got ${text}`)
  }
  return value
}

function oneOf<T extends string>(name: string, text: string, values: readonly T[]): T {
  if ((values as readonly string[]).includes(text)) return text as T
  throw new ControlError(`expected ${name} to be one of ${values.join('|')}, got ${text}`)
}

/** Checks a header as Node's writeHead would, so a bad one is a 400, not a crashed response. */
function checkedHeader(name: string, value: unknown): [string, string] {
  if (typeof value !== 'string') {
    throw new ControlError(`x-sim-headers: value of ${name} must be a string`)
  }
  try {
    validateHeaderName(name)
    validateHeaderValue(name, value)
  } catch (error) {
    throw new ControlError(`x-sim-headers: ${(error as Error).message}`)
  }
  return [name, value]
}

/** `x-sim-headers`: `{"name": "v" | ["v1","v2"]}` or `[["name","v"], …]`. */
function parseExtraHeaders(text: string): [string, string][] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ControlError(`expected x-sim-headers to be JSON, got ${text}`)
  }
  const pairs: [string, unknown][] = []
  if (Array.isArray(parsed)) {
    for (const pair of parsed) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new ControlError('expected x-sim-headers list items to be [name, value] pairs')
      }
      pairs.push([String(pair[0]), pair[1]])
    }
  } else if (typeof parsed === 'object' && parsed !== null) {
    for (const [name, value] of Object.entries(parsed)) {
      for (const v of Array.isArray(value) ? value : [value]) pairs.push([name, v])
    }
  } else {
    throw new ControlError('expected x-sim-headers to be an object or a list of pairs')
  }
  return pairs
    .map(([name, value]) => checkedHeader(name, value))
    .filter(([name]) => !FRAMING.has(name.toLowerCase()))
}

function hasSimHeader(rawHeaders: readonly string[]): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    if (name.length > 6 && (name[0] === 'x' || name[0] === 'X') && /^x-sim-/i.test(name)) {
      return true
    }
  }
  return false
}

/**
 * Reads the controls of a request. Headers win over query parameters of the same name; the query
 * is left in the URL (the gateway forwards query strings untouched, so tools that cannot set
 * headers use `?sim-status=503`).
 *
 * @throws ControlError when a value is malformed
 */
export function readControls(
  headers: IncomingHttpHeaders,
  rawHeaders: readonly string[],
  query: URLSearchParams | undefined
): Controls {
  const simQuery = query !== undefined && [...query.keys()].some((k) => k.startsWith('sim-'))
  if (!simQuery && !hasSimHeader(rawHeaders)) {
    const size = query?.get('size')
    return size == null
      ? NONE
      : { ...NONE, size: integer('size', size, 0, Number.MAX_SAFE_INTEGER) }
  }
  const get = (name: string): string | undefined => {
    const header = headers[`x-sim-${name}`]
    const value = Array.isArray(header) ? header.join(',') : header
    return value ?? query?.get(`sim-${name}`) ?? undefined
  }
  const text = {
    status: get('status'),
    delay: get('delay-ms'),
    shape: get('error-shape'),
    body: get('body'),
    fault: get('fault'),
    chunkDelay: get('chunk-delay-ms'),
    chunkBytes: get('chunk-bytes'),
    headers: get('headers'),
    download: get('download'),
    size: get('size') ?? query?.get('size') ?? undefined,
  }
  const body = new Set<BodyVariant>()
  for (const v of (text.body ?? '').split(',')) {
    if (v.trim()) body.add(oneOf('x-sim-body', v.trim(), BODY_VARIANTS))
  }
  const max = Number.MAX_SAFE_INTEGER
  return {
    explicit: true,
    status: text.status === undefined ? undefined : integer('x-sim-status', text.status, 100, 999),
    code: get('code'),
    delayMs: text.delay === undefined ? undefined : integer('x-sim-delay-ms', text.delay, 0, max),
    errorShape: text.shape ? oneOf('x-sim-error-shape', text.shape, ERROR_SHAPES) : 'drive',
    body,
    fault: text.fault ? oneOf('x-sim-fault', text.fault, FAULT_MODES) : undefined,
    chunkDelayMs: text.chunkDelay ? integer('x-sim-chunk-delay-ms', text.chunkDelay, 0, max) : 100,
    chunkBytes: text.chunkBytes ? integer('x-sim-chunk-bytes', text.chunkBytes, 1, max) : undefined,
    headers: text.headers ? parseExtraHeaders(text.headers) : [],
    echo: get('echo') === '1',
    etag: get('etag') === '1',
    cacheControl: get('cache-control'),
    download: text.download ? oneOf('x-sim-download', text.download, DOWNLOAD_MODES) : undefined,
    size: text.size === undefined ? undefined : integer('x-sim-size', text.size, 0, max),
  }
}
