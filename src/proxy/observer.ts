import type { Exchange } from '../exchange/exchange.ts'
import type { UpstreamConfig } from '../config/types.ts'

export interface UpstreamCallInfo {
  readonly upstream: UpstreamConfig
  readonly method: string
  /** The header list about to be sent; an observer may append to it (trace context). */
  readonly headers: string[]
}

export interface UpstreamCallResult {
  readonly status?: number
  /** The gateway catalog code when the call failed. */
  readonly errorCode?: string
  readonly error?: unknown
}

/**
 * Watches each upstream call (metrics' client histogram, tracing's client span). `start` runs
 * just before the request is sent and returns the function to call when the response headers
 * arrive or the call fails.
 */
export interface UpstreamObserver {
  start(exchange: Exchange, info: UpstreamCallInfo): (result: UpstreamCallResult) => void
}
