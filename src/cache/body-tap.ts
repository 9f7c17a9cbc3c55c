import type { Readable } from 'node:stream'
import { CappedBytes } from '../http/capped-bytes.ts'
import { watchData } from '../http/watch-data.ts'

/**
 * Collects a copy of a body as it streams to the client, up to `capBytes`. Resolves with the
 * whole body once it ended intact, or undefined when it grew past the cap, failed or was cut
 * off (an entry is written only after the whole body arrived).
 *
 * The listener is attached with `EventEmitter.prototype.on`, bypassing `Readable#on('data')`,
 * which would switch the stream to flowing mode before the responder has attached: the tap only
 * watches the chunks the responder pulls, never pausing, buffering or reordering them.
 *
 * @example
 * const copy = tapBody(reply.body, config.cache.maxEntryBytes) // before the responder pipes it
 */
export function tapBody(body: Readable, capBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const copy = new CappedBytes(capBytes)
    const onData = (chunk: Buffer) => {
      if (!copy.add(chunk)) finish(undefined)
    }
    const onEnd = () => finish(copy.bytes())
    const onBroken = () => finish(undefined)
    let settled = false
    function finish(result: Buffer | undefined) {
      if (settled) return
      settled = true
      body.off('data', onData)
      body.off('end', onEnd)
      body.off('error', onBroken)
      body.off('close', onBroken)
      copy.clear()
      resolve(result)
    }
    watchData(body, onData)
    body.once('end', onEnd)
    body.once('error', onBroken)
    body.once('close', onBroken)
  })
}
