import { isSafeTarget, splitTarget } from '../proxy/target.ts'
import type { ExchangeOutcome, Reply } from './types.ts'
import type { RouteMatch } from '../routes/types.ts'
import type { CacheStatus } from '../labels/index.ts'

type DoneListener = (outcome: ExchangeOutcome, exchange: Exchange) => void

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
  /** The failure behind a gateway-made reply, for logs and spans. */
  gatewayError: Error | undefined = undefined
  requestId = ''
  route: RouteMatch | undefined = undefined
  cacheStatus: CacheStatus = 'none'
  reply: Reply | undefined = undefined
  outcome: ExchangeOutcome | undefined = undefined
  readonly #done: DoneListener[] = []

  constructor(method: string, target: string) {
    this.method = method
    this.target = target
    this.invalidTarget = !isSafeTarget(target)
    this.path = splitTarget(target).path
  }

  onDone(listener: DoneListener): void {
    if (this.outcome) listener(this.outcome, this)
    else this.#done.push(listener)
  }

  /** Called once by the responder; later calls are ignored. */
  finish(outcome: Omit<ExchangeOutcome, 'durationSeconds'>): void {
    if (this.outcome) return
    this.outcome = { ...outcome, durationSeconds: (performance.now() - this.startedAt) / 1000 }
    for (const listener of this.#done) safely(() => listener(this.outcome!, this))
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
