import { connect, type Socket } from 'node:net'

/** One response as its bytes arrived: the head exactly as sent, and the body de-framed. */
export interface WireResponse {
  /** The status line without CRLF, latin1 (one char per byte). */
  readonly statusLine: string
  readonly status: number
  /** Header lines without CRLF, latin1, in order. */
  readonly headerLines: string[]
  readonly body: Buffer
  /** False when the connection ended before the framing said the body was complete. */
  readonly complete: boolean
}

export function headerValue(response: WireResponse, name: string): string | undefined {
  const lower = name.toLowerCase()
  for (const line of response.headerLines) {
    const colon = line.indexOf(':')
    if (line.slice(0, colon).toLowerCase() === lower) return line.slice(colon + 1).trim()
  }
  return undefined
}

/**
 * Splits a client's received bytes into responses (RFC 9112 §6.3 framing, for responses to the
 * given request methods in order; 1xx heads are skipped). Whatever does not parse ends the list.
 */
export function parseResponses(bytes: Buffer, methods: readonly string[]): WireResponse[] {
  const out: WireResponse[] = []
  let at = 0
  let m = 0
  while (at < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', at, 'latin1')
    if (end < 0) break
    const lines = bytes.toString('latin1', at, end).split('\r\n')
    const statusLine = lines[0]!
    const status = Number(statusLine.slice(9, 12))
    const headerLines = lines.slice(1)
    at = end + 4
    if (status >= 100 && status < 200 && status !== 101) continue
    const response = { statusLine, status, headerLines }
    const method = methods[m++] ?? 'GET'
    const te = headerValue(response as WireResponse, 'transfer-encoding')
    const cl = headerValue(response as WireResponse, 'content-length')
    if (method === 'HEAD' || status === 204 || status === 304) {
      out.push({ ...response, body: Buffer.alloc(0), complete: true })
    } else if (te !== undefined && /chunked\s*$/i.test(te)) {
      const chunks: Buffer[] = []
      let complete = false
      for (;;) {
        const lineEnd = bytes.indexOf('\r\n', at, 'latin1')
        if (lineEnd < 0) break
        const size = parseInt(bytes.toString('latin1', at, lineEnd), 16)
        if (!Number.isFinite(size)) break
        if (size === 0) {
          const trailerEnd = bytes.indexOf('\r\n\r\n', lineEnd, 'latin1')
          const crlf = bytes.indexOf('\r\n', lineEnd + 2, 'latin1')
          at = crlf === lineEnd + 2 ? crlf + 2 : trailerEnd < 0 ? bytes.length : trailerEnd + 4
          complete = crlf >= 0
          break
        }
        if (lineEnd + 2 + size + 2 > bytes.length) {
          chunks.push(bytes.subarray(lineEnd + 2))
          at = bytes.length
          break
        }
        chunks.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size))
        at = lineEnd + 2 + size + 2
      }
      out.push({ ...response, body: Buffer.concat(chunks), complete })
    } else if (cl !== undefined) {
      const length = Number(cl)
      const body = bytes.subarray(at, Math.min(bytes.length, at + length))
      at += body.length
      out.push({ ...response, body, complete: body.length === length })
    } else {
      out.push({ ...response, body: bytes.subarray(at), complete: true })
      at = bytes.length
    }
  }
  return out
}

/** A raw TCP connection that records every byte it receives and how it ended. */
export interface RawConnection {
  readonly socket: Socket
  received(): Buffer
  /** Resolves when the connection is closed, with how: `end` (FIN) or an error code. */
  readonly closed: Promise<string>
  /** Resolves once `predicate` holds for the bytes received, or the connection closes. */
  until(predicate: (bytes: Buffer) => boolean, timeoutMs?: number): Promise<Buffer>
}

export function openRaw(port: number, host = '127.0.0.1'): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host)
    const chunks: Buffer[] = []
    let waiters: (() => void)[] = []
    const wake = () => {
      const current = waiters
      waiters = []
      for (const w of current) w()
    }
    let how = 'end'
    let isClosed = false
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      wake()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => (how = error.code ?? error.message))
    const closed = new Promise<string>((done) =>
      socket.once('close', () => {
        isClosed = true
        wake()
        done(how)
      })
    )
    socket.once('connect', () => {
      socket.off('error', reject)
      resolve({
        socket,
        received: () => Buffer.concat(chunks),
        closed,
        until(predicate, timeoutMs = 10_000) {
          return new Promise((done, fail) => {
            const timer = setTimeout(
              () => fail(new Error('timed out waiting for bytes')),
              timeoutMs
            )
            const check = () => {
              const bytes = Buffer.concat(chunks)
              if (predicate(bytes) || isClosed) {
                clearTimeout(timer)
                done(bytes)
              } else {
                waiters.push(check)
              }
            }
            check()
          })
        },
      })
    })
    socket.once('error', reject)
  })
}

/**
 * Sends GETs for `targets` pipelined on one new connection, exactly as written (no URL
 * normalisation), and resolves with their responses once all of them are complete.
 */
export async function pipelinedGets(port: number, targets: readonly string[]) {
  const methods = targets.map(() => 'GET')
  const conn = await openRaw(port)
  conn.socket.write(targets.map((t) => `GET ${t} HTTP/1.1\r\nHost: gw\r\n\r\n`).join(''))
  const bytes = await conn.until(
    (b) => parseResponses(b, methods).filter((r) => r.complete).length === targets.length
  )
  conn.socket.destroy()
  return parseResponses(bytes, methods)
}
