import { Transform, type TransformCallback } from 'node:stream'
import { GatewayError } from '../http/errors.ts'

/**
 * Counts a streamed request body and fails it with `REQUEST_TOO_LARGE` past the limit, for
 * bodies whose length is not declared up front (chunked uploads).
 */
export class BodyLimit extends Transform {
  readonly #limit: number
  #seen = 0
  exceeded = false

  constructor(limit: number) {
    super()
    this.#limit = limit
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#seen += chunk.length
    if (this.#seen > this.#limit) {
      this.exceeded = true
      done(new GatewayError('REQUEST_TOO_LARGE'))
      return
    }
    done(null, chunk)
  }
}
