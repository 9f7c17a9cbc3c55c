/**
 * Cancels an upstream call when its client goes away. A plain object rather than an
 * AbortController or an EventEmitter: it is made for every request, and almost every client
 * stays. The upstream call registers how to cancel itself (`onGone`); `abort` runs it once.
 */
export class ClientGone {
  gone = false
  #cancel: (() => void) | undefined = undefined

  abort(): void {
    if (this.gone) return
    this.gone = true
    const cancel = this.#cancel
    this.#cancel = undefined
    cancel?.()
  }

  /** Runs `cancel` when the client goes (at once if it has gone); replaces an earlier one. */
  onGone(cancel: (() => void) | undefined): void {
    if (this.gone) cancel?.()
    else this.#cancel = cancel
  }
}
