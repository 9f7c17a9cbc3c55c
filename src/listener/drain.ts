import type { Server, ServerResponse } from 'node:http'
import { Server as NetServer } from 'node:net'
import { markCutByGateway } from '../http/gateway-cut.ts'
import type { ConnectionBook, Connection } from './connections.ts'

export interface DrainOptions {
  /** In-flight requests get this long; then every connection is cut. */
  readonly drainMs: number
  /** A connection with nothing owed and nothing received for this long is closed. */
  readonly idleMs: number
  readonly onDeadline: (openConnections: number) => void
}

// A response's keep-alive as the request asked for it, before the drain turned it off.
const askedKeepAlive = new WeakMap<ServerResponse, boolean>()

/**
 * Lets a listener finish its work without resetting a request a client has already sent:
 * - no new connections are accepted;
 * - each connection's newest owed response that has not started carries `Connection: close`
 *   (RFC 9112 §9.6), so the client opens no further request on it; an older pipelined one keeps
 *   the connection open for the requests queued behind it;
 * - a connection is closed once it has owed nothing and received nothing for `idleMs`, so a
 *   client that sends its next request within `idleMs` of the last response is answered;
 * - at `drainMs` every connection is cut (the residual race: a request sent at that instant).
 * Resolves when the last connection has closed.
 */
export async function drainListener(
  server: Server,
  book: ConnectionBook,
  options: DrainOptions
): Promise<void> {
  // http.Server#close would also close every idle keep-alive connection at once, racing the
  // request a client may be sending on it; close only the listening socket.
  const closed = new Promise<void>((resolve) =>
    NetServer.prototype.close.call(server, () => resolve())
  )
  for (const connection of book.all()) closeAfterNewest(connection)
  book.onRequest((_res, connection) => closeAfterNewest(connection))
  const sweep = () => closeIdle(book, options.idleMs)
  const sweeper = setInterval(sweep, Math.max(10, Math.min(100, options.idleMs / 4)))
  sweep()
  const deadline = setTimeout(() => {
    options.onDeadline(book.size)
    for (const connection of book.all()) {
      for (const res of connection.owed) markCutByGateway(res)
      connection.socket.destroy()
    }
  }, options.drainMs)
  await closed
  clearTimeout(deadline)
  clearInterval(sweeper)
}

function closeAfterNewest(connection: Connection): void {
  const owed = [...connection.owed]
  owed.forEach((res, i) => {
    if (res.headersSent) return
    if (!askedKeepAlive.has(res)) askedKeepAlive.set(res, res.shouldKeepAlive)
    res.shouldKeepAlive = i === owed.length - 1 ? false : askedKeepAlive.get(res)!
  })
}

function closeIdle(book: ConnectionBook, idleMs: number): void {
  const now = performance.now()
  for (const connection of book.all()) {
    if (connection.owed.length > 0) continue
    const { socket } = connection
    if (socket.bytesRead !== connection.bytesAtIdle) {
      // Bytes of a request whose head is not complete yet: not idle.
      connection.bytesAtIdle = socket.bytesRead
      connection.idleSince = now
    } else if (now - connection.idleSince >= idleMs) {
      socket.destroy()
    }
  }
}
