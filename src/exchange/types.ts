import type { Readable } from 'node:stream'

/** Who produced a reply: passed on from the upstream, served from the cache, or made here. */
export type ReplySource = 'upstream' | 'cache' | 'gateway'

/**
 * A response on its way to the client. Stages build it instead of a WHATWG `Response` because a
 * proxy must keep what `Response` cannot carry: statuses outside 200–599, bodies on 204/304,
 * repeated headers in their order, and the reason phrase.
 */
export interface Reply {
  status: number
  statusText?: string
  /**
   * Flat `[name, value, name, value, …]` in upstream order; hop-by-hop headers already removed.
   * Never mutated: it may be a cache entry's own list. The gateway's own headers (`Age`,
   * `X-Cache-Status`, `X-Request-Id`) are added when the reply is written.
   */
  readonly rawHeaders: readonly string[]
  /** Seconds since the stored response was made (RFC 9111 §5.1), for replies from the cache. */
  age?: number
  /** A small body read whole, a stream for anything large or of unknown length, or none. */
  body: Buffer | Readable | null
  source: ReplySource
  /** Set for gateway-made errors: their catalog code. */
  gatewayErrorCode?: string
}

/** How a request ended, once its response is finished or abandoned. */
export interface ExchangeOutcome {
  /** The status sent, or 499 when the client left before a response started. */
  readonly status: number
  /** The raw error code: from the body (or `UNKNOWN`), the catalog for gateway errors, '' on 2xx/3xx. */
  readonly errorCode: string
  readonly fromGateway: boolean
  /** The whole body reached the client. */
  readonly completed: boolean
  /**
   * Who broke a body that had started, if anyone: the client, the upstream, or the gateway
   * itself when its drain deadline closed the connection at shutdown.
   */
  readonly abortedBy: 'client' | 'upstream' | 'gateway' | undefined
  readonly durationSeconds: number
}
