import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { createApp, type CacheHooks, type TracingHooks } from './app.ts'
import type { Config } from './config/types.ts'
import type { Forward } from './proxy/index.ts'
import { Readiness } from './lifecycle/readiness.ts'
import { ConnectionBook } from './listener/connections.ts'
import { drainListener } from './listener/drain.ts'
import { proxyRequestListener } from './listener/proxy-listener.ts'
import { answerAndClose, refuseConnect } from './listener/refuse.ts'
import { serveWithoutUpgrade, takeUpgrade } from './listener/upgrade.ts'
import type { Logger } from './logging/logger.ts'
import { createMetricsRegistry, type MetricsRegistry } from './metrics/registry.ts'

export interface GatewayOptions {
  readonly logger: Logger
  /** The upstream client (`createForward`); its pools are closed by whoever made them. */
  readonly forward: Forward
  readonly metrics?: MetricsRegistry
  readonly tracing?: TracingHooks
  readonly cache?: CacheHooks
}

export interface RunningGateway {
  readonly url: string
  readonly adminUrl: string
  readonly metrics: MetricsRegistry
  readonly readiness: Readiness
  /** Stops accepting, lets in-flight requests finish up to `drainMs`, then closes everything. */
  shutdown(drainMs?: number): Promise<void>
}

// While draining, a keep-alive connection is closed once it has been idle this long: a client
// that sends its next request sooner is still answered.
const DRAIN_IDLE_MS = 1_000

// Node's reasons for refusing a request before it reaches a handler, as bounded label values;
// undefined for socket errors (the client reset or left), which refuse nothing.
function rejectReason(code: string | undefined): keyof typeof REFUSALS | undefined {
  // The connection ended inside a message: a client that left (mid-upload, say), whose request
  // if routed is already counted as 499; nothing was refused.
  if (code === 'HPE_INVALID_EOF_STATE') return undefined
  if (code === 'HPE_HEADER_OVERFLOW') return 'header_too_large'
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ETIMEDOUT') return 'timeout'
  if (code?.startsWith('HPE_')) return 'bad_request'
  return undefined
}

const refusal = (status: string) =>
  `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`
const REFUSALS = {
  header_too_large: refusal('431 Request Header Fields Too Large'),
  timeout: refusal('408 Request Timeout'),
  bad_request: refusal('400 Bad Request'),
}

function listen(server: Server, host: string, port: number) {
  return new Promise<Server>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server)
    })
  })
}

function urlOf(server: Server): string {
  const { address, port, family } = server.address() as AddressInfo
  const host = family === 'IPv6' ? `[${address}]` : address
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`
}

/** Starts the proxy and admin listeners for a loaded config. */
export async function startGateway(
  config: Config,
  options: GatewayOptions
): Promise<RunningGateway> {
  const { logger } = options
  const metrics = options.metrics ?? createMetricsRegistry()
  const readiness = new Readiness()
  const { proxy, admin } = createApp(config, {
    forward: options.forward,
    metrics,
    logger,
    readiness,
    tracing: options.tracing,
    cache: options.cache,
  })
  const connections = new ConnectionBook()
  const answered = new WeakSet<Socket>()
  const refused = (reason: string) => () => metrics.metrics.rejectedRequests.inc({ reason })
  const forwardRequest = proxyRequestListener(proxy)
  const server = createServer(
    // Node answers an HTTP/1.1 request without Host itself, with no 'request' event: it was
    // neither counted nor logged. It is refused here instead, as a malformed request is.
    { shouldUpgradeCallback: takeUpgrade, requireHostHeader: false },
    (req: IncomingMessage, res: ServerResponse) => {
      if (
        req.headers.host === undefined &&
        req.httpVersionMajor === 1 &&
        req.httpVersionMinor >= 1
      ) {
        // RFC 9112 §3.2: a request of HTTP/1.1 that lacks Host is a 400.
        refused('bad_request')()
        res.shouldKeepAlive = false
        res.writeHead(400, { 'content-length': '0' }).end()
        return
      }
      forwardRequest(req, res)
    }
  )
  // Uploads of many GiB stream for a long time: no whole-request deadline, but headers must
  // arrive promptly, and idle keep-alive connections outlive typical client pools.
  server.requestTimeout = 0
  server.headersTimeout = 60_000
  server.keepAliveTimeout = 65_000
  server.on('connection', (socket: Socket) => connections.connection(socket))
  // First, so the book knows a response before anything can finish it.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) =>
    connections.request(req, res)
  )
  server.on('connect', refuseConnect(connections, refused('connect')))
  server.on('upgrade', serveWithoutUpgrade(server, connections, refused('upgrade')))
  // `Expect: 100-continue` (RFC 9110 §10.1.1): Node would write the 100 at once, but for a
  // request pipelined behind another the interim response is queued, and the final head
  // then overtakes it, so the client reads "HTTP/1.1 100 Continue" as body bytes. Write the
  // 100 when the response's turn on the connection comes, unless its head is ready by then
  // (the client has sent the body meanwhile; the final response answers it).
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (res.socket) res.writeContinue()
    else res.once('socket', () => res.headersSent || res.writeContinue())
    server.emit('request', req, res)
  })
  // Any other expectation is one the gateway cannot meet: refused like a malformed request.
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    refused('bad_request')()
    res.writeHead(417, { 'content-length': '0' })
    res.end()
  })
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const reason = rejectReason(error.code)
    // A reset or a broken pipe is a client gone, not a request refused; and once a request
    // is refused, the parser reports each later chunk again: count and answer once.
    if (reason === undefined || answered.has(socket)) {
      if (reason === undefined) socket.destroy()
      return
    }
    answered.add(socket)
    metrics.metrics.rejectedRequests.inc({ reason })
    // A body that breaks its own framing leaves its request unfinishable: close at once,
    // and its exchange ends as abandoned. Otherwise answer after the responses owed to the
    // requests pipelined before the bad one, as with CONNECT.
    if (connections.reading(socket)) socket.destroy()
    else answerAndClose(connections, socket, REFUSALS[reason])
  })
  const proxyServer = await listen(server, config.host, config.port)
  const adminServer = await listen(
    createAdaptorServer({ fetch: admin.fetch, autoCleanupIncoming: false }) as Server,
    config.adminHost,
    config.adminPort
  )
  readiness.markReady()
  logger.notice('listening', { proxy: urlOf(proxyServer), admin: urlOf(adminServer) })

  let shuttingDown: Promise<void> | undefined
  return {
    url: urlOf(proxyServer),
    adminUrl: urlOf(adminServer),
    metrics,
    readiness,
    shutdown(drainMs = config.shutdownDrainMs) {
      shuttingDown ??= (async () => {
        readiness.markDraining()
        await drainListener(proxyServer, connections, {
          drainMs,
          idleMs: DRAIN_IDLE_MS,
          onDeadline: (open) => logger.warn('drain deadline reached', { open_connections: open }),
        })
        await new Promise<void>((resolve) => adminServer.close(() => resolve()))
        adminServer.closeAllConnections()
      })()
      return shuttingDown
    },
  }
}
