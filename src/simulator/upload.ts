import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { encodeKey, OWNER_NO } from './bodies.ts'

/** What arrived of a request body. */
export interface ReceivedBody {
  readonly bytes: number
  /** SHA-256 (hex) of the raw body bytes, when asked for. */
  readonly sha256?: string
  /** False when the client went away before the body ended. */
  readonly complete: boolean
}

/** True when the request announces a body (RFC 9112 §6.3: a length, or a transfer coding). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/**
 * Reads a request body as it streams, counting (and optionally hashing) each chunk and keeping
 * none of it, so a 10 GiB upload costs no memory. Resolves once, when the body ends or the
 * request is aborted.
 */
export function consumeBody(req: IncomingMessage, hash: boolean): Promise<ReceivedBody> {
  return new Promise((resolve) => {
    const digest = hash ? createHash('sha256') : undefined
    let bytes = 0
    let settled = false
    const settle = (complete: boolean) => {
      if (settled) return
      settled = true
      resolve({ bytes, complete, sha256: digest?.digest('hex') })
    }
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      digest?.update(chunk)
    })
    req.once('end', () => settle(true))
    // An aborted body emits 'error' (ECONNRESET) then 'close', never 'end'.
    req.once('close', () => settle(req.complete))
  })
}

let uploads = 0

/** The API 1.0 upload answer (`{versionNo, resourceKey, shareNo, resourceNo}`) plus what arrived. */
export function uploadResult(received: ReceivedBody) {
  const resourceNo = 800000000000 + uploads++
  return {
    versionNo: 1,
    resourceKey: encodeKey(OWNER_NO, resourceNo, false),
    shareNo: 0,
    resourceNo,
    receivedBytes: received.bytes,
    sha256: received.sha256,
  }
}
