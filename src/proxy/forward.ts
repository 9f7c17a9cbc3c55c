import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici'
import type { Config, UpstreamConfig } from '../config/types.ts'
import type { Exchange } from '../exchange/exchange.ts'
import type { Reply } from '../exchange/types.ts'
import { toGatewayError } from '../http/errors.ts'
import type { ClientGone } from './client-gone.ts'
import type { UpstreamObserver } from './observer.ts'
import { callUpstream, type UpstreamOptions } from './upstream.ts'

/** One call to an upstream, on behalf of an exchange (whose route, trace and id it carries). */
export interface ForwardCall {
  readonly exchange: Exchange
  readonly method: string
  /** Path and query as received; the upstream's base path is put in front. */
  readonly target: string
  /** The header list to send; observers may append to it (trace context). */
  readonly headers: string[]
  readonly body: IncomingMessage | Readable | null
  /** Cancels the call when the client goes away; none for calls shared by several clients. */
  readonly gone?: ClientGone
  /** Told of each `103 Early Hints` the upstream sends before its final response. */
  readonly onEarlyHints?: (rawHeaders: readonly string[]) => void
  /** Overrides `UPSTREAM_RETRIES` (background refreshes never retry). */
  readonly retries?: number
}

/** Sends a call upstream; resolves with its reply, or rejects with a `GatewayError`. */
export type Forward = (call: ForwardCall) => Promise<Reply>

export interface ForwardOptions {
  readonly dispatcher: Dispatcher
  readonly upstreams: ReadonlyMap<string, UpstreamConfig>
  readonly headersTimeoutMs: number
  readonly bodyTimeoutMs: number
  readonly retries: number
  /** Told of every call: the client-duration histogram, the client span. */
  readonly observers: readonly UpstreamObserver[]
}

/**
 * The one way the gateway reaches an upstream. The proxy stage and the cache's background
 * refresh both call it, so every upstream call is timed and traced the same way and goes
 * through the same connection pools.
 *
 * @example
 * const forward = createForward({ dispatcher, upstreams, headersTimeoutMs, ..., observers })
 * const reply = await forward({ exchange, method: 'GET', target: '/files/abc', headers, body: null })
 */
export function createForward(options: ForwardOptions): Forward {
  const { observers } = options
  // Built once, not per call; only background refreshes override the retries (to none).
  const upstreamOptions: UpstreamOptions = {
    dispatcher: options.dispatcher,
    headersTimeoutMs: options.headersTimeoutMs,
    bodyTimeoutMs: options.bodyTimeoutMs,
    retries: options.retries,
  }
  return async function forward(call) {
    const upstream = options.upstreams.get(call.exchange.route?.route.upstream ?? 'default')!
    const { method, headers } = call
    const ends = observers.map((o) => o.start(call.exchange, { upstream, method, headers }))
    try {
      const reply = await callUpstream(
        call.retries === undefined
          ? upstreamOptions
          : { ...upstreamOptions, retries: call.retries },
        {
          origin: upstream.origin,
          path: upstream.basePath + call.target,
          method,
          headers,
          body: call.body,
          gone: call.gone,
          onEarlyHints: call.onEarlyHints,
        }
      )
      for (const end of ends) end({ status: reply.status })
      return reply
    } catch (error) {
      const failure = toGatewayError(error)
      for (const end of ends) end({ errorCode: failure.code, error })
      throw failure
    }
  }
}

function egressProxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((name) => !!env[name])
}

/**
 * The connection pools to the upstreams, one keep-alive pool per origin. With HTTP(S)_PROXY set,
 * egress goes through it (NO_PROXY honoured); without, a plain Agent skips the per-request
 * proxy decision.
 */
export function createDispatcher(config: Config, env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const agentOptions = {
    connections: config.upstreamConnections,
    keepAliveTimeout: 60_000,
    headersTimeout: config.upstreamTimeoutMs,
    bodyTimeout: config.upstreamBodyTimeoutMs,
  }
  return egressProxyConfigured(env) ? new EnvHttpProxyAgent(agentOptions) : new Agent(agentOptions)
}
