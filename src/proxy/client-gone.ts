import { EventEmitter } from 'node:events'

/**
 * Cancels an upstream call when its client goes away. undici takes an EventEmitter that emits
 * `abort` as well as an AbortSignal; this one costs a plain object per request instead of an
 * AbortController and its EventTarget machinery, on a path where almost every client stays.
 * (It must not have an `aborted` property: undici would then treat it as an AbortSignal.)
 */
export class ClientGone extends EventEmitter {
  gone = false

  abort(): void {
    if (this.gone) return
    this.gone = true
    this.emit('abort')
  }
}

/** Whether the call was cancelled on purpose, by either kind of signal. */
export function cancelled(signal: AbortSignal | ClientGone | undefined): boolean {
  return signal instanceof ClientGone ? signal.gone : signal?.aborted === true
}
