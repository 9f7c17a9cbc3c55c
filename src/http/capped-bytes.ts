/**
 * The chunks of a body, kept up to a byte cap. What goes past the cap is dropped and
 * `overflowed` is set: a reader that needs the whole body (a cache entry) gives up then, one that
 * needs only its start (the error code, the fields a write names) keeps `bytes()`.
 *
 * @example
 * const copy = new CappedBytes(64 * 1024)
 * body.on('data', (chunk) => copy.add(chunk))
 * body.on('end', () => (copy.overflowed ? giveUp() : use(copy.bytes())))
 */
export class CappedBytes {
  readonly #cap: number
  readonly #chunks: Buffer[] = []
  #size = 0
  /** Bytes were dropped: the body is longer than the cap. */
  overflowed = false

  constructor(capBytes: number) {
    this.#cap = capBytes
  }

  /** Keeps what fits of `chunk`; false once the body has gone past the cap. */
  add(chunk: Buffer): boolean {
    if (this.overflowed) return false
    const room = this.#cap - this.#size
    if (chunk.length <= room) {
      this.#chunks.push(chunk)
      this.#size += chunk.length
      return true
    }
    this.overflowed = true
    if (room > 0) {
      this.#chunks.push(chunk.subarray(0, room))
      this.#size += room
    }
    return false
  }

  /** The bytes kept, in order: the whole body unless it overflowed. */
  bytes(): Buffer {
    return this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size)
  }

  /** Lets go of what was kept. */
  clear(): void {
    this.#chunks.length = 0
    this.#size = 0
  }
}
