import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { ConnectionBook } from './connections.ts'

// How long a refused connection may linger after its answer, for the client to read it.
const LINGER_MS = 1_000

/**
 * Writes a raw answer on a connection that has left Node's HTTP parser, once the responses owed
 * to its earlier pipelined requests are written (HTTP/1.1 answers in request order, RFC 9112
 * §9.3.2), then closes it.
 */
export function answerAndClose(book: ConnectionBook, socket: Socket, head: string): void {
  // Node took its own error listener off with the parser; a reset must not become a crash.
  socket.on('error', () => socket.destroy())
  // A client that closes its side is gone, as Node's HTTP server treats it (it does not allow
  // half-open connections): the answers still owed to it end as abandoned.
  socket.once('end', () => socket.destroy())
  // What follows on this connection is not read: discard it rather than buffer it.
  socket.resume()
  void book.settled(socket).then(() => {
    if (socket.destroyed || !socket.writable) {
      socket.destroy()
      return
    }
    socket.end(head)
    setTimeout(() => socket.destroy(), LINGER_MS).unref()
  })
}

const METHOD_NOT_ALLOWED =
  'HTTP/1.1 405 Method Not Allowed\r\n' +
  'Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n' +
  'Connection: close\r\n' +
  'Content-Length: 0\r\n\r\n'

/**
 * The `connect` listener. The gateway proxies requests to its upstreams, never tunnels
 * (RFC 9110 §9.3.6): CONNECT is answered 405 and counted by `refused`. The bytes after a CONNECT
 * belong to the tunnel, so the connection is closed after the answer.
 */
export function refuseConnect(book: ConnectionBook, refused: () => void) {
  return (req: IncomingMessage, _stream: Duplex, _head: Buffer): void => {
    refused()
    answerAndClose(book, req.socket as Socket, METHOD_NOT_ALLOWED)
  }
}
