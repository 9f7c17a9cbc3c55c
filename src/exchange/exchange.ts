import type { IncomingHttpHeaders } from 'node:http'
import { isSafeTarget, splitTarget } from '../http/path.ts'
import type { ExchangeOutcome, Reply } from './types.ts'
import type { RouteMatch } from '../routes/types.ts'
import {
  responseLabels,
  type CacheStatus,
  type ErrorCodeLabeler,
  type ResponseLabels,
} from '../labels/index.ts'

/** Told once, when the exchange finishes; handed the exchange, so one listener serves all. */
export type DoneListener = (
  outcome: ExchangeOutcome,
  labels: ResponseLabels,
  exchange: Exchange
) => void

/**
 * Per-request state shared by the stages: what matched, what the cache did, the reply, and the
 * outcome once the response is finished. Observers (metrics, tracing, logs) subscribe with
 * {@link Exchange.onDone} rather than reading `c.res`, because the proxy writes to Node's
 * response directly and the status, error code and abort are only known at its end.
 */
export class Exchange {
  readonly method: string
  /** The request target as received: path and query, not decoded. */
  readonly target: string
  /** The path part of the target; routes match it. */
  readonly path: string
  /** An absolute-form target or one with `..` segments: answered `INVALID_PATH`. */
  readonly invalidTarget: boolean
  readonly startedAt = performance.now()
  /** Set by the cache when one upstream call serves several clients: no one client cancels it. */
  sharedUpstream = false
  /** The request's headers as Node parsed them (a reference, not a copy). */
  readonly requestHeaders: IncomingHttpHeaders
  /** The failure behind a gateway-made reply, for logs and spans. */
  gatewayError: Error | undefined = undefined
  requestId = ''
  route: RouteMatch | undefined = undefined
  cacheStatus: CacheStatus = 'none'
  reply: Reply | undefined = undefined
  outcome: ExchangeOutcome | undefined = undefined
  /**
   * The tracing stage's state for this request (its spans), opaque to everything else. A field
   * rather than a WeakMap keyed by the exchange: a WeakMap entry lives until the next full GC,
   * so every request's spans would be carried into the old generation.
   */
  trace: object | undefined = undefined
  /** Computed once, when the exchange finishes; what metrics, spans and logs all report. */
  labels: ResponseLabels | undefined = undefined
  readonly #errorCodes: ErrorCodeLabeler
  readonly #done: DoneListener[] = []

  /** @param errorCodes the gateway's one labeler, so every observer sees the same label */
  constructor(
    method: string,
    target: string,
    errorCodes: ErrorCodeLabeler,
    requestHeaders: IncomingHttpHeaders = {}
  ) {
    this.#errorCodes = errorCodes
    this.requestHeaders = requestHeaders
    this.method = method
    this.target = target
    this.invalidTarget = !isSafeTarget(target)
    this.path = splitTarget(target).path
  }

  onDone(listener: DoneListener): void {
    if (this.outcome) listener(this.outcome, this.labels!, this)
    else this.#done.push(listener)
  }

  /** Called once by the responder; later calls are ignored. */
  finish(outcome: Omit<ExchangeOutcome, 'durationSeconds'>): void {
    if (this.outcome) return
    this.outcome = { ...outcome, durationSeconds: (performance.now() - this.startedAt) / 1000 }
    this.labels = responseLabels(
      {
        method: this.method,
        route: this.route,
        status: outcome.status,
        errorCode: outcome.errorCode,
        fromGateway: outcome.fromGateway,
        cacheStatus: this.cacheStatus,
      },
      this.#errorCodes
    )
    for (const listener of this.#done) safely(() => listener(this.outcome!, this.labels!, this))
    this.#done.length = 0
  }
}

// An observer's bug must never break the response or the other observers.
function safely(fn: () => void): void {
  try {
    fn()
  } catch (error) {
    process.emitWarning(`drive-gateway observer failed: ${(error as Error).message}`)
  }
}
