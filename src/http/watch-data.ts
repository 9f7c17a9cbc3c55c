import { EventEmitter } from 'node:events'
import type { Readable } from 'node:stream'

/**
 * Watches the chunks a stream emits without changing how it flows. `Readable#on('data')` would
 * switch the stream to flowing mode, starting it before its real consumer (the responder, the
 * upstream request) is attached and letting chunks go by unread; subscribing through
 * EventEmitter's own `on` only sees the chunks that consumer pulls, never pausing, buffering or
 * reordering them. The one place this trick lives. Returns the function that stops watching.
 */
export function watchData(stream: Readable, onData: (chunk: Buffer) => void): () => void {
  EventEmitter.prototype.on.call(stream, 'data', onData)
  return () => stream.off('data', onData)
}
