import type { IncomingMessage, Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { ConnectionBook } from './connections.ts'
import { answerAndClose, tendDetached } from './refuse.ts'

/** RFC 9112 §6.3: a request has a body when it declares a length or a transfer coding. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/**
 * Which upgrade requests the `upgrade` listener takes (`shouldUpgradeCallback`). Node's parser
 * stops at a request that asks for an upgrade; when the server declines it, the request is
 * served, but pipelined bytes read with it are dropped and the client waits for answers that
 * never come. Requests without a body are taken and served by {@link serveWithoutUpgrade},
 * which keeps those bytes. One with a body streams through the ordinary path (a body may be an
 * upload of GiBs); only requests pipelined in the same read as its last body bytes are lost.
 */
export function takeUpgrade(req: IncomingMessage): boolean {
  return !hasBody(req)
}

/** The request's head again, without `Upgrade` and without `upgrade` in `Connection`. */
function headWithoutUpgrade(req: IncomingMessage): Buffer {
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    let value = raw[i + 1]!
    const lower = name.toLowerCase()
    if (lower === 'upgrade') continue
    if (lower === 'connection') {
      const tokens = value
        .split(',')
        .map((token) => token.trim())
        .filter((token) => token && token.toLowerCase() !== 'upgrade')
      if (tokens.length === 0) continue
      value = tokens.join(', ')
    }
    head += `${name}: ${value}\r\n`
  }
  // Node reads request heads as latin1; writing them back the same way keeps every byte.
  return Buffer.from(head + '\r\n', 'latin1')
}

const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'

/**
 * The `upgrade` listener. The gateway supports no protocol upgrade (the Drive API has none), so
 * it serves the request as plain HTTP/1.1, as RFC 9110 §7.8 lets a server ignore `Upgrade`: the
 * request's head, rebuilt without `Upgrade`, and the bytes read after it go back in front of
 * the socket, and the socket goes back to the HTTP server as a fresh connection once the
 * answers owed to earlier pipelined requests are written. The connection keeps serving.
 * A request Node hands over before its body is read is refused and counted by `refused`.
 */
export function serveWithoutUpgrade(server: Server, book: ConnectionBook, refused: () => void) {
  return (req: IncomingMessage, _stream: Duplex, bodyHead: Buffer): void => {
    const socket = req.socket as Socket
    const untend = tendDetached(book, socket)
    if (!req.complete) {
      refused()
      answerAndClose(book, socket, BAD_REQUEST)
      return
    }
    const head = headWithoutUpgrade(req)
    void book.settled(socket).then(() => {
      if (socket.destroyed) return
      untend()
      // The keep-alive timer Node set after the last response would otherwise outlive it.
      socket.setTimeout(0)
      socket.unshift(bodyHead.length > 0 ? Buffer.concat([head, bodyHead]) : head)
      server.emit('connection', socket)
    })
  }
}
