import { gatewayErrorBody, GATEWAY_ERRORS, type GatewayErrorCode } from '../http/errors.ts'
import type { Reply } from './types.ts'

/** A gateway-made error reply: Drive-shaped JSON body, labelled with its catalog code. */
export function gatewayReply(code: GatewayErrorCode): Reply {
  const body = gatewayErrorBody(code)
  return {
    status: GATEWAY_ERRORS[code].status,
    rawHeaders: [
      'content-type',
      'application/json; charset=utf-8',
      'content-length',
      String(body.length),
      'cache-control',
      'no-store',
    ],
    body,
    source: 'gateway',
    gatewayErrorCode: code,
  }
}
