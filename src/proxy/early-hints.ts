import type { ServerResponse } from 'node:http'
import { lowerName, stripHopByHop } from '../http/headers.ts'

/**
 * Passes an upstream `103 Early Hints` on to the client (RFC 8297; a proxy forwards 1xx, RFC
 * 9110 §15.2), with its end-to-end fields. Node writes it only with a `Link` field and only
 * before the final head; anything it refuses is dropped, never a reason to fail the exchange.
 */
export function forwardEarlyHints(res: ServerResponse, rawHeaders: readonly string[]): void {
  if (res.headersSent || res.destroyed) return
  try {
    // No prototype: the names are the upstream's (`__proto__`, `constructor` are just fields).
    const hints = Object.create(null) as Record<string, string[]>
    const fields = stripHopByHop(rawHeaders)
    for (let i = 0; i < fields.length; i += 2) {
      const name = lowerName(fields[i]!)
      ;(hints[name] ??= []).push(fields[i + 1]!)
    }
    if (hints.link) res.writeEarlyHints(hints)
  } catch {
    // A hint Node will not write (bad bytes): the final response still follows.
  }
}
