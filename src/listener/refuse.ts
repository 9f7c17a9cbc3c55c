import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { PROXIED_METHODS } from '../http/methods.ts'
import type { ConnectionBook } from './connections.ts'

// How long a refused connection may linger after its answer, for the client to read it.
const LINGER_MS = 1_000

/**
 * Keeps the responses still owed on a connection that has left Node's HTTP parser (CONNECT,
 * Upgrade) going. Node takes its own socket listeners off with the parser: the one relaying the
 * socket's 'drain' to the response being written, without which a response under backpressure
 * stalls for good, and the error listener, without which a reset crashes the process. Returns
 * the function that takes these off again.
 */
export function tendDetached(book: ConnectionBook, socket: Socket): () => void {
  const onError = () => socket.destroy()
  const onDrain = () => {
    for (const res of book.owed(socket)) if (res.socket === socket) res.emit('drain')
  }
  socket.on('error', onError)
  socket.on('drain', onDrain)
  return () => {
    socket.off('error', onError)
    socket.off('drain', onDrain)
  }
}

/**
 * Writes a raw answer once the responses owed to the connection's earlier pipelined requests
 * are written (HTTP/1.1 answers in request order, RFC 9112 §9.3.2), then closes the connection.
 */
export function answerAndClose(book: ConnectionBook, socket: Socket, head: string): void {
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
  `Allow: ${PROXIED_METHODS}\r\n` +
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
    const socket = req.socket as Socket
    tendDetached(book, socket)
    // A client that closes its side is gone, as Node's HTTP server treats it (it does not allow
    // half-open connections): the answers still owed to it end as abandoned.
    socket.once('end', () => socket.destroy())
    // What follows a CONNECT is tunnel data, never read: discard it rather than buffer it.
    socket.resume()
    answerAndClose(book, socket, METHOD_NOT_ALLOWED)
  }
}
