import { describe, expect, it } from 'vitest'
import {
  GATEWAY_ERRORS,
  GatewayError,
  gatewayErrorBody,
  isRetriableConnectError,
  toGatewayError,
} from './errors.ts'

function coded(code: string, message = 'x'): Error {
  return Object.assign(new Error(message), { code })
}

describe('toGatewayError', () => {
  const table: [string, keyof typeof GATEWAY_ERRORS][] = [
    ['UND_ERR_HEADERS_TIMEOUT', 'UPSTREAM_TIMEOUT'],
    ['ECONNREFUSED', 'UPSTREAM_UNREACHABLE'],
    ['ECONNRESET', 'UPSTREAM_UNREACHABLE'],
    ['ENOTFOUND', 'UPSTREAM_UNREACHABLE'],
    ['EAI_AGAIN', 'UPSTREAM_UNREACHABLE'],
    ['EHOSTUNREACH', 'UPSTREAM_UNREACHABLE'],
    ['ENETUNREACH', 'UPSTREAM_UNREACHABLE'],
    ['EPIPE', 'UPSTREAM_UNREACHABLE'],
    ['UND_ERR_SOCKET', 'UPSTREAM_UNREACHABLE'],
    ['UND_ERR_CONNECT_TIMEOUT', 'UPSTREAM_UNREACHABLE'],
    ['UND_ERR_CLOSED', 'UPSTREAM_UNREACHABLE'],
    ['UND_ERR_DESTROYED', 'UPSTREAM_UNREACHABLE'],
    ['HPE_INVALID_CONSTANT', 'UPSTREAM_BAD_RESPONSE'],
    ['HPE_INVALID_STATUS', 'UPSTREAM_BAD_RESPONSE'],
    ['HPE_INVALID_HEADER_TOKEN', 'UPSTREAM_BAD_RESPONSE'],
    ['HPE_INVALID_CHUNK_SIZE', 'UPSTREAM_BAD_RESPONSE'],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 'UPSTREAM_BAD_RESPONSE'],
    ['HPE_SOMETHING_NEW', 'UPSTREAM_BAD_RESPONSE'],
    ['UND_ERR_INFO', 'UPSTREAM_BAD_RESPONSE'],
    ['UND_ERR_RESPONSE_STATUS_CODE', 'UPSTREAM_BAD_RESPONSE'],
    ['UND_ERR_HEADERS_OVERFLOW', 'UPSTREAM_BAD_RESPONSE'],
    ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UPSTREAM_BAD_RESPONSE'],
  ]
  it.each(table)('%s -> %s', (code, expected) => {
    const cause = coded(code)
    const mapped = toGatewayError(cause)
    expect(mapped.code).toBe(expected)
    expect(mapped.status).toBe(GATEWAY_ERRORS[expected].status)
    expect(mapped.cause).toBe(cause)
  })

  it('reads the code from the cause when the error has none', () => {
    const wrapped = new Error('fetch failed', { cause: coded('UND_ERR_HEADERS_TIMEOUT') })
    expect(toGatewayError(wrapped).code).toBe('UPSTREAM_TIMEOUT')
  })

  it('treats a socket error saying "bad upgrade" or "bad response" as a bad response', () => {
    expect(toGatewayError(coded('UND_ERR_SOCKET', 'bad upgrade')).code).toBe(
      'UPSTREAM_BAD_RESPONSE'
    )
    expect(toGatewayError(coded('UND_ERR_SOCKET', 'bad response')).code).toBe(
      'UPSTREAM_BAD_RESPONSE'
    )
  })

  it('treats an HTTPParserError without a code as a bad response', () => {
    const e = new Error('parse')
    e.name = 'HTTPParserError'
    expect(toGatewayError(e).code).toBe('UPSTREAM_BAD_RESPONSE')
  })

  it('passes a GatewayError through and maps unknown errors to unreachable', () => {
    const own = new GatewayError('REQUEST_TOO_LARGE')
    expect(toGatewayError(own)).toBe(own)
    expect(toGatewayError(new Error('??')).code).toBe('UPSTREAM_UNREACHABLE')
    expect(toGatewayError(undefined).code).toBe('UPSTREAM_UNREACHABLE')
  })
})

describe('isRetriableConnectError', () => {
  it('is true only for failures before the request was written', () => {
    for (const code of ['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'EHOSTUNREACH'])
      expect(isRetriableConnectError(coded(code))).toBe(true)
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT'])
      expect(isRetriableConnectError(coded(code))).toBe(false)
    expect(isRetriableConnectError(new Error('no code'))).toBe(false)
  })
})

describe('gatewayErrorBody', () => {
  it('is the Drive error shape with domain "gateway"', () => {
    expect(JSON.parse(gatewayErrorBody('NOT_CACHED').toString())).toEqual({
      domain: 'gateway',
      code: 'NOT_CACHED',
      message: GATEWAY_ERRORS.NOT_CACHED.message,
    })
  })
})
