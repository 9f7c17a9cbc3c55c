import { connect, createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

/** What a raw upstream answers to one request: byte chunks written with a pause between them. */
export interface RawAnswer {
  readonly chunks: readonly (Buffer | string)[]
  /** Pause between chunks, so each arrives in its own TCP read. */
  readonly gapMs?: number
  /**
   * After the last chunk: end the connection cleanly, reset it, keep it for the next request, or
   * go silent (the gateway's timeout ends it). Default `end`.
   */
  readonly then?: 'end' | 'reset' | 'keep' | 'hang'
}

export interface RawUpstream {
  readonly url: string
  /** Requests as received, head only (up to the blank line), latin1. */
  readonly heads: string[]
  close(): Promise<void>
}

const HEAD_END = '\r\n\r\n'

/**
 * A TCP upstream that writes exactly the bytes a test gives it, for responses no HTTP library
 * would produce: odd reason phrases, bad framing, split status lines. One answer per request head;
 * requests on one connection are answered in order.
 */
export async function startRawUpstream(answer: (head: string) => RawAnswer): Promise<RawUpstream> {
  const heads: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.on('end', () => socket.destroy())
    let buffered = ''
    let busy = false
    const next = async () => {
      if (busy) return
      const end = buffered.indexOf(HEAD_END)
      if (end < 0) return
      busy = true
      const head = buffered.slice(0, end)
      buffered = buffered.slice(end + HEAD_END.length)
      heads.push(head)
      const { chunks, gapMs = 0, then = 'end' } = answer(head)
      for (const [i, chunk] of chunks.entries()) {
        if (socket.destroyed) return
        socket.write(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk)
        if (gapMs > 0 && i < chunks.length - 1) await new Promise((r) => setTimeout(r, gapMs))
      }
      if (socket.destroyed) return
      if (then === 'end') socket.end()
      else if (then === 'reset') socket.resetAndDestroy()
      else if (then === 'keep') {
        busy = false
        void next()
      }
    }
    socket.on('data', (data: Buffer) => {
      buffered += data.toString('latin1')
      void next()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    heads,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A response as bytes on the wire: status line, header lines and body, all latin1. */
export interface WireResponse {
  readonly statusLine: string
  readonly headerLines: string[]
  readonly body: Buffer
}

/**
 * Sends one request over a fresh TCP connection with `Connection: close` and returns the exact
 * bytes of the response, so a test sees reason phrases and header values as sent.
 */
export function wireRequest(url: string, path: string, extraHead = ''): Promise<WireResponse> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nhost: ${hostname}\r\nconnection: close\r\n${extraHead}\r\n`
      )
    })
    socket.on('data', (d: Buffer) => chunks.push(d))
    socket.on('error', reject)
    socket.on('close', () => {
      const raw = Buffer.concat(chunks)
      const end = raw.indexOf(HEAD_END)
      const head = raw.subarray(0, end < 0 ? raw.length : end).toString('latin1')
      const [statusLine = '', ...headerLines] = head.split('\r\n')
      resolve({ statusLine, headerLines, body: end < 0 ? Buffer.alloc(0) : raw.subarray(end + 4) })
    })
  })
}
