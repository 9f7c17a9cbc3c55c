import type { IncomingMessage } from 'node:http'
import type { Reply } from '../exchange/types.ts'
import { lowerName } from '../http/headers.ts'
import { PROXIED_METHODS } from '../http/methods.ts'

// RFC 9110 §7.6.2: TRACE and OPTIONS carry Max-Forwards; every intermediary decrements it, and
// the one that receives 0 answers as the final recipient instead of forwarding.

/** The methods Max-Forwards applies to. */
const HOP_LIMITED = new Set(['OPTIONS', 'TRACE'])

// Left out of a TRACE echo: a final recipient SHOULD exclude fields likely to carry sensitive
// data (RFC 9110 §9.3.8), and these carry the caller's credentials.
const SENSITIVE = new Set(['authorization', 'proxy-authorization', 'cookie', 'consumerkey'])

/** The request's Max-Forwards when it applies (TRACE, OPTIONS) and is well-formed. */
export function maxForwards(incoming: IncomingMessage): number | undefined {
  if (!HOP_LIMITED.has(incoming.method ?? '')) return undefined
  const value = incoming.headers['max-forwards']
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value.trim())) return undefined
  return Number(value.trim())
}

/** The forwarded header list with its Max-Forwards lowered by one (the list is new, not shared). */
export function decrementMaxForwards(headers: string[], remaining: number): void {
  for (let i = 0; i < headers.length; i += 2) {
    if (lowerName(headers[i]!) === 'max-forwards') headers[i + 1] = String(remaining - 1)
  }
}

/**
 * The gateway's answer as the final recipient of a request whose Max-Forwards reached 0: for
 * OPTIONS the methods it passes on, for TRACE the request as received (`message/http`) without
 * its credentials.
 */
export function finalRecipientReply(incoming: IncomingMessage): Reply {
  if (incoming.method === 'OPTIONS') {
    return {
      status: 200,
      rawHeaders: ['allow', PROXIED_METHODS, 'content-length', '0'],
      body: null,
      source: 'gateway',
    }
  }
  let head = `${incoming.method} ${incoming.url} HTTP/${incoming.httpVersion}\r\n`
  const raw = incoming.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    if (!SENSITIVE.has(lowerName(raw[i]!))) head += `${raw[i]}: ${raw[i + 1]}\r\n`
  }
  const body = Buffer.from(`${head}\r\n`, 'latin1')
  return {
    status: 200,
    rawHeaders: ['content-type', 'message/http', 'content-length', String(body.length)],
    body,
    source: 'gateway',
  }
}
