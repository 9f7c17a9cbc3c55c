import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Controls } from './controls.ts'
import { downloadReply, DEFAULT_DOWNLOAD_BYTES } from './download.ts'
import type { Endpoint, EndpointRequest } from './endpoints.ts'
import type { DriveError } from './errors.ts'
import { defaultError, errorBody, HUGE_BODY_BYTES, wantsErrorBody } from './errors.ts'
import type { FaultRate } from './faults.ts'
import type { Reply } from './send.ts'
import { JSON_TYPE, jsonReply } from './send.ts'

// One shared block of padding for `huge` bodies: the body is streamed, never built whole.
const PADDING = Buffer.alloc(64 * 1024, 'x')

function* hugeChunks(head: Buffer, padding: number, tail: Buffer): Generator<Buffer> {
  yield head
  for (let left = padding; left > 0; left -= PADDING.length) {
    yield left >= PADDING.length ? PADDING : PADDING.subarray(0, left)
  }
  yield tail
}

/** An error reply with the seed's code and message unless `x-sim-code` names another. */
export function errorReply(status: number, error: DriveError, controls: Controls): Reply {
  const body = errorBody(
    error,
    controls.errorShape,
    controls.body,
    controls.size ?? HUGE_BODY_BYTES
  )
  const headers: [string, string][] = [['content-type', JSON_TYPE]]
  if (body.kind === 'buffer')
    return { status, headers, body: { kind: 'buffer', bytes: body.bytes } }
  const { head, padding, tail } = body
  const length = head.length + padding + tail.length
  return {
    status,
    headers,
    body: { kind: 'stream', length, chunks: () => hugeChunks(head, padding, tail) },
  }
}

/** `x-sim-echo: 1`: what reached the simulator, so gateway tests can assert upstream headers. */
function echoReply(req: IncomingMessage, status: number, bodyBytes: number): Reply {
  const headers: [string, string][] = []
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!])
  }
  return jsonReply(status, { method: req.method, url: req.url, headers, bodyBytes })
}

function etagOf(bytes: Buffer): string {
  return `"${createHash('sha1').update(bytes).digest('base64url')}"`
}

function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((t) => t.trim() === etag)
}

/** Everything that decides a reply, gathered by the server once the request body is in. */
export interface ReplyInput {
  readonly req: IncomingMessage
  readonly controls: Controls
  readonly endpoint: Endpoint | undefined
  readonly request: EndpointRequest
  readonly fault: FaultRate | undefined
}

function endpointReply(input: ReplyInput, endpoint: Endpoint, status: number | undefined): Reply {
  const { req, controls, request } = input
  const result = endpoint.handle(request)
  switch (result.type) {
    case 'no-content':
      return { status: status ?? 204, headers: [], body: { kind: 'none' } }
    case 'redirect':
      return {
        status: status ?? 302,
        headers: [['location', result.location]],
        body: { kind: 'none' },
      }
    case 'download': {
      const size = controls.size ?? DEFAULT_DOWNLOAD_BYTES
      const reply = downloadReply(size, req.headers.range)
      return status === undefined ? reply : { ...reply, status }
    }
    case 'json': {
      const reply = jsonReply(status ?? result.status, result.body)
      // The real API sends no ETag; a test opts in to exercise revalidation.
      if (!endpoint.lookup || !controls.etag || reply.body.kind !== 'buffer') return reply
      const etag = etagOf(reply.body.bytes)
      if (matchesEtag(req.headers['if-none-match'], etag)) {
        return { status: 304, headers: [['etag', etag]], body: { kind: 'none' } }
      }
      return { ...reply, headers: [...reply.headers, ['etag', etag]] }
    }
  }
}

/**
 * Decides the reply: echo, an explicit or injected error, the endpoint's own answer, or 404 for
 * a path no route matches. Statuses below 300 given with `x-sim-status` keep the endpoint's body.
 */
export function buildReply(input: ReplyInput): Reply {
  const { req, controls, endpoint, fault } = input
  let reply: Reply
  if (controls.echo) {
    reply = echoReply(req, controls.status ?? 200, input.request.received.bytes)
  } else {
    const errorBodyWanted = wantsErrorBody(controls.body)
    const status = controls.status ?? fault?.status ?? (errorBodyWanted ? 500 : undefined)
    if (status !== undefined && (status >= 300 || errorBodyWanted)) {
      reply = errorReply(status, defaultError(status, controls.code ?? fault?.code), controls)
    } else if (endpoint) {
      reply = endpointReply(input, endpoint, status)
    } else if (status !== undefined) {
      reply = jsonReply(status, {})
    } else {
      reply = errorReply(404, defaultError(404, 'RESOURCE_NOT_FOUND'), controls)
    }
  }
  if (controls.cacheControl === undefined) return reply
  return { ...reply, headers: [...reply.headers, ['cache-control', controls.cacheControl]] }
}
