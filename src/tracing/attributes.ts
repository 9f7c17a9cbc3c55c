import type { Attributes } from '@opentelemetry/api'
import type { UpstreamConfig } from '../config/types.ts'
import type { Exchange } from '../exchange/exchange.ts'
import type { ExchangeOutcome } from '../exchange/types.ts'
import { methodLabel } from '../labels/index.ts'
import type { UpstreamCallResult } from '../proxy/observer.ts'

// Attribute names of the stable OpenTelemetry HTTP semantic conventions (http-spans.md), written
// out so this module depends on nothing but the API types; tests assert every name.
const METHOD = 'http.request.method'
const METHOD_ORIGINAL = 'http.request.method_original'
const ROUTE = 'http.route'
const STATUS = 'http.response.status_code'
const ERROR_TYPE = 'error.type'
const URL_SCHEME = 'url.scheme'
const URL_PATH = 'url.path'
const URL_FULL = 'url.full'
const SERVER_ADDRESS = 'server.address'
const SERVER_PORT = 'server.port'
// The gateway's own attributes, named after its metric labels (docs/architecture.md, "Labels").
const DRIVE_ERROR_CODE = 'drive.error.code'
const DRIVE_CACHE_STATUS = 'drive.cache.status'

export type LogPaths = 'template' | 'full'

/** What the server span needs from the client's request, read once by the stage. */
export interface ServerRequestInfo {
  readonly scheme: 'http' | 'https'
  readonly host: string | undefined
}

/** An error to record on a span: `error.type` and the status description. */
export interface SpanError {
  readonly type: string
  readonly message?: string
}

function methodName(method: string): string {
  // Semconv: a method outside the known set is `_OTHER`, and the span name then says `HTTP`.
  const label = methodLabel(method)
  return label === '_OTHER' ? 'HTTP' : label
}

/** `{method} {route template}`, or the method alone when no route matched (semconv). */
export function serverSpanName(exchange: Exchange): string {
  const template = exchange.route?.route.template
  return template ? `${methodName(exchange.method)} ${template}` : methodName(exchange.method)
}

/** Semconv: client spans without `url.template` are named by the method alone. */
export function clientSpanName(method: string): string {
  return methodName(method)
}

function setMethod(attributes: Attributes, method: string): void {
  const label = methodLabel(method)
  attributes[METHOD] = label
  if (label === '_OTHER') attributes[METHOD_ORIGINAL] = method
}

// RFC 9110 §7.2 Host: uri-host [":" port]. Anything else is not recorded: the value comes from
// the client.
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?$/

function setHost(attributes: Attributes, host: string | undefined): void {
  const m = host === undefined ? null : HOST.exec(host)
  if (!m) return
  attributes[SERVER_ADDRESS] = m[1]!.replace(/^\[|\]$/g, '')
  if (m[2]) attributes[SERVER_PORT] = Number(m[2])
}

/**
 * Attributes known when the request arrives. `url.path` is the route
 * template unless `LOG_PATHS=full`: raw paths carry resource keys that decode to owner ids. An
 * unmatched request has no template, so its path is then left out. The query is never recorded:
 * it may carry a `consumerKey`. Of the recommended attributes, the client's address and user
 * agent are left out (personal data), and so is the protocol version: every attribute is
 * copied and serialized for every span, and that is much of what tracing costs.
 */
export function serverStartAttributes(
  exchange: Exchange,
  info: ServerRequestInfo,
  logPaths: LogPaths
): Attributes {
  const template = exchange.route?.route.template
  const path = logPaths === 'full' ? exchange.path : template
  const attributes: Attributes = {}
  setMethod(attributes, exchange.method)
  attributes[URL_SCHEME] = info.scheme
  if (template !== undefined) attributes[ROUTE] = template
  if (path !== undefined) attributes[URL_PATH] = path
  setHost(attributes, info.host)
  return attributes
}

/**
 * The server span's end: status, the bounded Drive error code and cache status (the same values
 * as the metric labels, so an exemplar's trace matches its series), and the error, if any.
 * Semconv: 5xx (598 included) is an error on a server span, 4xx is not. A body the upstream
 * broke after it started is an error too: the client got a truncated response.
 */
export function serverEnd(
  outcome: ExchangeOutcome,
  labels: { drive_error_code: string; drive_cache_status: string },
  gatewayError: Error | undefined
): { attributes: Attributes; error: SpanError | undefined } {
  const attributes: Attributes = {}
  attributes[STATUS] = outcome.status
  attributes[DRIVE_CACHE_STATUS] = labels.drive_cache_status
  if (labels.drive_error_code) attributes[DRIVE_ERROR_CODE] = labels.drive_error_code
  let error: SpanError | undefined
  if (outcome.status >= 500) {
    // A gateway-made error is named by its catalog code, more telling than "504"; an upstream
    // one by its status, as semconv asks.
    error = outcome.fromGateway
      ? { type: outcome.errorCode || String(outcome.status), message: gatewayError?.message }
      : { type: String(outcome.status) }
  } else if (outcome.abortedBy === 'upstream') {
    error = { type: 'response_aborted', message: 'The upstream broke the response body' }
  } else if (outcome.abortedBy === 'gateway') {
    error = { type: 'response_aborted', message: 'The shutdown drain deadline cut the response' }
  }
  if (error) attributes[ERROR_TYPE] = error.type
  return { attributes, error }
}

// Upstreams come from config: parse each origin once, not per call.
const addresses = new WeakMap<UpstreamConfig, { address: string; port: number }>()

function upstreamAddress(upstream: UpstreamConfig): { address: string; port: number } {
  let found = addresses.get(upstream)
  if (!found) {
    const url = new URL(upstream.origin)
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80
    found = { address: url.hostname.replace(/^\[|\]$/g, ''), port }
    addresses.set(upstream, found)
  }
  return found
}

/**
 * Attributes of a client span. `url.full` is recorded only with `LOG_PATHS=full`, and then
 * without the query; the base path is configuration, the rest is the client's path.
 */
export function clientStartAttributes(
  upstream: UpstreamConfig,
  method: string,
  exchange: Exchange,
  logPaths: LogPaths
): Attributes {
  const { address, port } = upstreamAddress(upstream)
  const attributes: Attributes = {}
  setMethod(attributes, method)
  attributes[SERVER_ADDRESS] = address
  attributes[SERVER_PORT] = port
  if (logPaths === 'full')
    attributes[URL_FULL] = upstream.origin + upstream.basePath + exchange.path
  return attributes
}

/**
 * A client span's end. Semconv: 4xx and 5xx are errors on a client span; a failed call is named
 * by its catalog code. A call the gateway cancelled because its client left is not an error.
 */
export function clientEnd(result: UpstreamCallResult): {
  attributes: Attributes
  error: SpanError | undefined
} {
  if (result.status !== undefined) {
    const attributes: Attributes = { [STATUS]: result.status }
    if (result.status < 400) return { attributes, error: undefined }
    attributes[ERROR_TYPE] = String(result.status)
    return { attributes, error: { type: String(result.status) } }
  }
  if (isCancellation(result.error)) return { attributes: {}, error: undefined }
  const type = result.errorCode ?? '_OTHER'
  const message = result.error instanceof Error ? result.error.message : undefined
  return { attributes: { [ERROR_TYPE]: type }, error: { type, message } }
}

function isCancellation(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown } | undefined
  return e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED'
}
