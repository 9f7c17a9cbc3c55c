import { GATEWAY_ERROR_CODES } from '../http/errors.ts'
import type { RouteMatch } from '../routes/types.ts'
import { KNOWN_ERROR_CODES } from './drive-codes.ts'

export { extractErrorCode, ERROR_BODY_CAP } from './error-code.ts'

/**
 * `drive_cache_status`. `revalidated`: a stale entry confirmed by a 304 on the request path
 * (RFC 9111 §4.3.4), so the client got the stored body after one conditional upstream call.
 */
export type CacheStatus =
  'hit' | 'stale' | 'revalidated' | 'coalesced' | 'miss' | 'bypass' | 'unavailable' | 'none'

// RFC 9110 §9 methods plus PATCH (RFC 5789) and QUERY, as the OpenTelemetry HTTP conventions list.
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
])

export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : '_OTHER'
}

export function routeLabel(match: RouteMatch | undefined): string {
  return match?.route.template ?? 'unmatched'
}

/** 2xx and 3xx carry no error code. */
export function isErrorStatus(status: number): boolean {
  return status < 200 || status >= 400
}

/**
 * Keeps `drive_error_code` bounded whatever the upstream sends: the Drive table's codes always
 * pass, the first `cap` other codes pass, anything later is `OTHER`. Gateway catalog codes are
 * labelled as such only when the gateway made the error, so `UPSTREAM_*` always means the gateway.
 */
export class ErrorCodeLabeler {
  readonly #cap: number
  readonly #seen = new Set<string>()

  constructor(cap: number) {
    this.#cap = cap
  }

  label(code: string, { fromGateway }: { fromGateway: boolean }): string {
    if (fromGateway) return code
    if (code === 'UNKNOWN' || KNOWN_ERROR_CODES.has(code)) return code
    if (GATEWAY_ERROR_CODES.has(code) || code === 'OTHER') return 'OTHER'
    if (this.#seen.has(code)) return code
    if (this.#seen.size >= this.#cap) return 'OTHER'
    this.#seen.add(code)
    return code
  }
}

/** The labels of `drive_gateway_responses_total`, for one finished response. */
export interface ResponseLabels {
  readonly http_request_method: string
  readonly http_route: string
  readonly http_response_status_code: string
  readonly drive_error_code: string
  readonly drive_cache_status: CacheStatus
}

/** What a finished response is labelled from. */
export interface LabelSource {
  readonly method: string
  readonly route: RouteMatch | undefined
  readonly status: number
  /** The raw code: from the body (or `UNKNOWN`), the catalog for gateway errors, '' on 2xx/3xx. */
  readonly errorCode: string
  readonly fromGateway: boolean
  readonly cacheStatus: CacheStatus
}

/**
 * The response labels (docs/architecture.md, "Labels"), computed once per response when it
 * finishes and read by metrics, tracing and the access log. Pure but for the labeler's cap.
 */
export function responseLabels(source: LabelSource, errorCodes: ErrorCodeLabeler): ResponseLabels {
  return {
    http_request_method: methodLabel(source.method),
    http_route: routeLabel(source.route),
    http_response_status_code: String(source.status),
    drive_error_code: source.errorCode
      ? errorCodes.label(source.errorCode, { fromGateway: source.fromGateway })
      : '',
    drive_cache_status: source.cacheStatus,
  }
}
