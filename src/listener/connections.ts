import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/** One client connection and the responses it is still owed, oldest first. */
interface Connection {
  readonly socket: Socket
  /** An array, not a Set: one add and one delete per request would churn a long-lived table. */
  readonly owed: ServerResponse[]
  /** When the last owed response closed (or the connection opened); for the drain's idle rule. */
  idleSince: number
  /** `socket.bytesRead` at `idleSince`: bytes since then mean a request is on its way. */
  bytesAtIdle: number
  /** Called once `owed` is empty. */
  settledWaiters: (() => void)[]
  /** The newest request, whose body may still be arriving. */
  latest: IncomingMessage | undefined
}

/**
 * Keeps, per client connection, the responses Node still has to write there (the one being
 * written and the pipelined ones queued behind it). Node keeps this list privately and stops
 * keeping it once a connection leaves its HTTP parser (CONNECT, Upgrade): then a socket that
 * dies would leave queued responses unfinished forever, and their exchanges never counted.
 * This book lets the listener wait for a connection's earlier responses before it writes a raw
 * answer, finish every owed response when the socket closes, and find idle connections.
 */
export class ConnectionBook {
  readonly #connections = new Map<Socket, Connection>()
  #onRequest: ((res: ServerResponse, connection: Connection) => void) | undefined

  get size(): number {
    return this.#connections.size
  }

  /** For the `connection` event; a socket handed back to the parser is known already. */
  connection(socket: Socket): void {
    if (this.#connections.has(socket)) return
    const connection: Connection = {
      socket,
      owed: [],
      idleSince: performance.now(),
      bytesAtIdle: 0,
      settledWaiters: [],
      latest: undefined,
    }
    this.#connections.set(socket, connection)
    socket.once('close', () => {
      this.#connections.delete(socket)
      // Node finishes these itself while the socket is its own; after CONNECT or Upgrade it no
      // longer does. Destroying a response that has no socket yet emits its 'close'.
      for (const res of connection.owed.slice()) res.destroy()
    })
  }

  /** For the `request` event: the response is owed until it closes. */
  request(req: IncomingMessage, res: ServerResponse): void {
    const connection = this.#connections.get(req.socket as Socket)
    if (!connection) return
    connection.owed.push(res)
    connection.latest = req
    res.once('close', () => {
      const at = connection.owed.indexOf(res)
      if (at >= 0) connection.owed.splice(at, 1)
      if (connection.owed.length > 0) return
      connection.idleSince = performance.now()
      connection.bytesAtIdle = connection.socket.bytesRead
      if (connection.settledWaiters.length === 0) return
      const waiters = connection.settledWaiters.splice(0)
      for (const resolve of waiters) resolve()
    })
    this.#onRequest?.(res, connection)
  }

  /** Resolves once every response owed on `socket` has closed (at once if none is). */
  settled(socket: Socket): Promise<void> {
    const connection = this.#connections.get(socket)
    if (!connection || connection.owed.length === 0) return Promise.resolve()
    return new Promise((resolve) => connection.settledWaiters.push(resolve))
  }

  /** Whether the newest request on `socket` is still being read (its body is incomplete). */
  reading(socket: Socket): boolean {
    const latest = this.#connections.get(socket)?.latest
    return latest !== undefined && !latest.complete
  }

  /** The responses owed on `socket`, oldest first. */
  owed(socket: Socket): readonly ServerResponse[] {
    return [...(this.#connections.get(socket)?.owed ?? [])]
  }

  /** Runs `fn` on every later request's response, with its connection (the drain uses it). */
  onRequest(fn: (res: ServerResponse, connection: Connection) => void): void {
    this.#onRequest = fn
  }

  all(): IterableIterator<Connection> {
    return this.#connections.values()
  }
}

export type { Connection }
