/**
 * The gateway's own errors, made only when there is no upstream response to pass on. Bodies use
 * the Drive shape so clients parse them like any Drive error; `domain: "gateway"` tells them apart.
 */
export const GATEWAY_ERRORS = {
  UPSTREAM_TIMEOUT: { status: 504, message: 'The upstream sent no response headers in time' },
  UPSTREAM_UNREACHABLE: { status: 502, message: 'The upstream could not be reached' },
  UPSTREAM_BAD_RESPONSE: {
    status: 502,
    message: 'The upstream sent a response that is not valid HTTP',
  },
  REQUEST_TOO_LARGE: {
    status: 413,
    message: 'The request body is larger than this gateway accepts',
  },
  INVALID_PATH: { status: 400, message: 'The request target is not a valid origin-form path' },
  UNSUPPORTED_TRANSFER_CODING: {
    status: 400,
    message: 'The request body has a transfer coding other than chunked',
  },
  NOT_CACHED: {
    status: 504,
    message: 'The request asked for a cached response only, and none is usable',
  },
  INTERNAL_ERROR: { status: 500, message: 'The gateway failed to handle the request' },
} as const

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS

export const GATEWAY_ERROR_CODES: ReadonlySet<string> = new Set(Object.keys(GATEWAY_ERRORS))

/** A failure the gateway answers itself; `cause` keeps the transport error for the log. */
export class GatewayError extends Error {
  override name = 'GatewayError'
  readonly code: GatewayErrorCode
  readonly status: number
  constructor(code: GatewayErrorCode, options?: { cause?: unknown; detail?: string }) {
    super(options?.detail ?? GATEWAY_ERRORS[code].message, { cause: options?.cause })
    this.code = code
    this.status = GATEWAY_ERRORS[code].status
  }
}

export function gatewayErrorBody(code: GatewayErrorCode): Buffer {
  return Buffer.from(
    JSON.stringify({ domain: 'gateway', code, message: GATEWAY_ERRORS[code].message })
  )
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
])
const BAD_RESPONSE = new Set([
  'HPE_INVALID_CONSTANT',
  'HPE_INVALID_STATUS',
  'HPE_INVALID_HEADER_TOKEN',
  'HPE_INVALID_CHUNK_SIZE',
  'HPE_UNEXPECTED_CONTENT_LENGTH',
  'UND_ERR_INFO',
  'UND_ERR_RESPONSE_STATUS_CODE',
  'UND_ERR_HEADERS_OVERFLOW',
  // undici's parser asserts on some responses no request asked for (a 101 without Upgrade).
  'ERR_ASSERTION',
  // Before any header reached us: conflicting, repeated or malformed Content-Length, or
  // Content-Length with Transfer-Encoding (RFC 9112 §6.3 lets a recipient reject all of these).
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
])

// undici reports a response that no request asked for (an unsolicited 101, bytes with no request
// in flight) as a SocketError whose only mark is its message.
const BAD_RESPONSE_SOCKET_MESSAGES = new Set(['bad upgrade', 'bad response'])

function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | undefined
  const code = e?.code ?? e?.cause?.code
  return typeof code === 'string' ? code : undefined
}

/** Maps a transport error from undici to the catalog; undici's parser errors are bad responses. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error
  const code = errorCode(error)
  if (code === 'UND_ERR_HEADERS_TIMEOUT')
    return new GatewayError('UPSTREAM_TIMEOUT', { cause: error })
  if (
    (code !== undefined && BAD_RESPONSE.has(code)) ||
    (code === 'UND_ERR_SOCKET' && BAD_RESPONSE_SOCKET_MESSAGES.has((error as Error).message))
  ) {
    return new GatewayError('UPSTREAM_BAD_RESPONSE', { cause: error })
  }
  // Undici's HTTPParserError carries no code, only its name: the response was not valid HTTP.
  if (code?.startsWith('HPE_') || (error as Error | undefined)?.name === 'HTTPParserError') {
    return new GatewayError('UPSTREAM_BAD_RESPONSE', { cause: error })
  }
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new GatewayError('UPSTREAM_UNREACHABLE', { cause: error })
  }
  return new GatewayError('UPSTREAM_UNREACHABLE', { cause: error })
}

// Failures of the connection itself: the request had not been written, so sending it again
// cannot repeat anything the upstream saw.
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

/** Errors after which a GET or HEAD may be sent again: no byte reached the upstream. */
export function isRetriableConnectError(error: unknown): boolean {
  const code = errorCode(error)
  return code !== undefined && CONNECT_FAILURES.has(code)
}
