import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { ERROR_BODY_CAP, extractErrorCode, isErrorStatus } from '../labels/index.ts'
import { CappedBytes } from '../http/capped-bytes.ts'
import { findHeader } from '../http/headers.ts'
import type { Exchange } from './exchange.ts'
import { gatewayReply } from './gateway-reply.ts'
import type { ExchangeOutcome, Reply } from './types.ts'
import { cutByGateway } from '../http/gateway-cut.ts'

function errorCodeOf(reply: Reply, copy: CappedBytes | undefined): string {
  if (reply.gatewayErrorCode) return reply.gatewayErrorCode
  if (!isErrorStatus(reply.status)) return ''
  const encoding = findHeader(reply.rawHeaders, 'content-encoding')
  if (Buffer.isBuffer(reply.body)) {
    return extractErrorCode(
      reply.body.subarray(0, ERROR_BODY_CAP),
      encoding,
      reply.body.length <= ERROR_BODY_CAP
    )
  }
  return copy ? extractErrorCode(copy.bytes(), encoding, !copy.overflowed) : 'UNKNOWN'
}

/**
 * Writes a reply to Node's response as it is: status, reason phrase, headers in order with
 * repeats, body bytes. Streams are piped with backpressure; a client that leaves destroys the
 * upstream body (cancelling the upstream request), an upstream that breaks mid-body destroys
 * the client's response, so the client sees a broken body, never a wrong one. Calls
 * `exchange.finish` exactly once with the outcome.
 */
export function sendReply(res: ServerResponse, reply: Reply, exchange: Exchange): void {
  // Date is end-to-end: keep the upstream's, and do not invent one where it sent none.
  res.sendDate = false
  if (res.destroyed || res.socket?.destroyed) {
    discardBody(reply.body)
    exchange.finish({
      status: 499,
      errorCode: '',
      fromGateway: reply.source === 'gateway',
      completed: false,
      abortedBy: undefined,
    })
    return
  }
  const sent = writeHeadOrFallback(res, reply, exchange)
  if (!sent) return
  const body = sent.body
  if (body === null || Buffer.isBuffer(body)) {
    res.once('close', () => {
      exchange.finish({
        status: sent.status,
        errorCode: errorCodeOf(sent, undefined),
        fromGateway: sent.source === 'gateway',
        completed: res.writableFinished,
        abortedBy: res.writableFinished ? undefined : closedBy(res),
      })
    })
    res.end(body ?? undefined)
    return
  }
  // Send the head now: the client learns the status as soon as the upstream sent it, and a body
  // that then breaks reaches the client as a cut body, not as a connection with no response.
  res.write(Buffer.alloc(0)) // not flushHeaders(): it writes the head as UTF-8, re-encoding obs-text
  pipeBody(res, body, sent, exchange)
}

/**
 * Writes the status line and headers. Node refuses bytes HTTP forbids (it throws); such a reply
 * is replaced by a gateway error (`UPSTREAM_BAD_RESPONSE` for what came from the upstream or the
 * cache, `INTERNAL_ERROR` for the gateway's own), and if even that cannot be written the
 * connection is closed. Either way the exchange finishes: a throw here never escapes.
 */
function writeHeadOrFallback(res: ServerResponse, reply: Reply, exchange: Exchange) {
  const failure = tryWriteHead(res, reply, headersToWrite(reply, exchange))
  if (failure === undefined) return reply
  discardBody(reply.body)
  exchange.gatewayError ??= failure
  const fallback = gatewayReply(
    reply.source === 'gateway' ? 'INTERNAL_ERROR' : 'UPSTREAM_BAD_RESPONSE'
  )
  if (tryWriteHead(res, fallback, headersToWrite(fallback, exchange)) === undefined) return fallback
  res.destroy()
  exchange.finish({
    status: fallback.status,
    errorCode: fallback.gatewayErrorCode!,
    fromGateway: true,
    completed: false,
    abortedBy: undefined,
  })
  return undefined
}

/**
 * The reply's headers followed by the gateway's own, the only place they are added: `Age` on
 * replies from the cache, `X-Cache-Status` whenever the cache is on (one the upstream sent is
 * dropped: two with different meanings would mislead), `X-Request-Id` (an upstream's own id is
 * dropped unless it is the gateway's: one id per response, as a cache replay has), and `Date`
 * when the reply has none: the gateway is the origin of its own replies, and a recipient with a
 * clock appends one to a response it forwards without (RFC 9110 §6.6.1).
 */
function headersToWrite(reply: Reply, exchange: Exchange): string[] {
  const source = reply.rawHeaders
  const cacheOn = exchange.cacheStatus !== 'none'
  const requestId = exchange.requestId
  const out: string[] = []
  let echoed = false
  let dated = false
  for (let i = 0; i < source.length; i += 2) {
    const name = source[i]!
    const value = source[i + 1]!
    // Length first: this runs on every header of every response.
    if (name.length === 14 && cacheOn && name.toLowerCase() === 'x-cache-status') continue
    if (name.length === 12 && name.toLowerCase() === 'x-request-id') {
      if (value !== requestId || !requestId) continue
      echoed = true
    }
    if (name.length === 4 && name.toLowerCase() === 'date') dated = true
    out.push(name, value)
  }
  if (!dated) out.push('Date', httpDate(reply.age))
  if (reply.age !== undefined) out.push('Age', String(reply.age))
  if (cacheOn) out.push('X-Cache-Status', exchange.cacheStatus.toUpperCase())
  if (requestId && !echoed) out.push('x-request-id', requestId)
  return out
}

/** Now, or for a stored reply `age` seconds ago (when it was received), as an IMF-fixdate. */
function httpDate(age: number | undefined): string {
  return new Date(Date.now() - (age ?? 0) * 1000).toUTCString()
}

function tryWriteHead(res: ServerResponse, reply: Reply, headers: string[]): Error | undefined {
  try {
    // The reason phrase as sent, empty included; the standard one only for replies that have
    // none of their own (gateway-made). Always given, so a failed first try leaves no trace.
    const reason = reply.statusText ?? STATUS_CODES[reply.status] ?? ''
    res.writeHead(reply.status, reason, headers)
    return undefined
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error))
  }
}

/** A body that will not be sent: stop reading it (cancelling the upstream), never throwing. */
function discardBody(body: Reply['body']): void {
  if (body === null || Buffer.isBuffer(body)) return
  body.on('error', () => {})
  body.destroy()
}

function pipeBody(res: ServerResponse, body: Readable, reply: Reply, exchange: Exchange): void {
  // The error code is in the body's first bytes: a copy of at most ERROR_BODY_CAP of them.
  const copy = isErrorStatus(reply.status) ? new CappedBytes(ERROR_BODY_CAP) : undefined
  let abortedBy: ExchangeOutcome['abortedBy']
  const finish = () =>
    exchange.finish({
      status: reply.status,
      errorCode: errorCodeOf(reply, copy),
      fromGateway: reply.source === 'gateway',
      completed: abortedBy === undefined && res.writableFinished,
      abortedBy,
    })

  body.on('data', (chunk: Buffer) => {
    copy?.add(chunk)
    if (!res.write(chunk)) body.pause()
  })
  res.on('drain', () => body.resume())
  body.once('end', () => res.end())
  body.once('error', () => {
    abortedBy ??= 'upstream'
    cutAfterWritten(res)
  })
  res.once('close', () => {
    if (!res.writableFinished) {
      abortedBy ??= closedBy(res)
      body.destroy()
    }
    finish()
  })
}

/** Who closed a response before its end: the gateway at its drain deadline, else the client. */
function closedBy(res: ServerResponse): 'client' | 'gateway' {
  return cutByGateway(res) ? 'gateway' : 'client'
}

/** How long a cut waits for what was written to reach a client that is not reading. */
const CUT_FLUSH_MS = 5_000

/**
 * Ends a response whose body broke upstream: the bytes already written still reach the client,
 * then the connection closes without the rest (no last chunk, or fewer bytes than
 * `Content-Length`), so the client sees an incomplete message (RFC 9112 §8), never a complete
 * one. Destroying at once would drop writes still queued on the socket. A response still queued
 * behind an earlier one on its connection has written nothing: it is destroyed.
 */
function cutAfterWritten(res: ServerResponse): void {
  const socket = res.socket
  if (!socket || socket.destroyed || socket.writableLength === 0) {
    res.destroy()
    return
  }
  socket.end()
  setTimeout(() => res.destroy(), CUT_FLUSH_MS).unref()
}
