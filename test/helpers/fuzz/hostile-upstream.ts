import { startRawUpstream, type RawAnswer, type RawUpstream } from '../raw-upstream.ts'
import type { UpstreamScript } from './upstream-grammar.ts'

export type HostileUpstream = RawUpstream

const NO_SCRIPT: RawAnswer = {
  chunks: ['HTTP/1.1 500 No Script\r\ncontent-length: 0\r\n\r\n'],
  then: 'end',
}

/**
 * A raw TCP upstream (`startRawUpstream`) that answers each request with the bytes of a script,
 * chosen by the request path (`…/fz-<id>`). Requests on one connection are answered in order; a
 * script that does not keep the connection ends, resets or abandons it.
 */
export function startHostileUpstream(
  scriptFor: (id: number) => UpstreamScript | undefined
): Promise<HostileUpstream> {
  return startRawUpstream((head) => {
    const id = Number(/\/fz-(\d+)/.exec(head.slice(0, head.indexOf('\r\n')))?.[1])
    return scriptFor(id) ?? NO_SCRIPT
  })
}
