import type { IncomingMessage, ServerResponse } from 'node:http'

/** What the proxy app is to this listener: Hono's `fetch`, with Node's request and response. */
export interface ProxyApp {
  fetch(
    request: Request,
    env: { incoming: IncomingMessage; outgoing: ServerResponse }
  ): Response | Promise<Response>
}

// Hono reads only the method of the request it is handed here (the proxy app takes no path, see
// createApp); the stages read Node's request from `c.env.incoming`. A GET, so Hono does not wrap
// the reply as it does for HEAD.
const STAND_IN = { method: 'GET', url: 'http://proxy/' } as unknown as Request

/**
 * The proxy port's request listener. The exchange stage writes every reply to Node's response
 * itself (docs/architecture.md, "What Hono does here"), so node-server's conversion of each
 * request to a WHATWG Request and of the reply from a Response would be work thrown away on every
 * request. If the app ever settles without having written, the client gets a bare 500, never a
 * hanging request.
 */
export function proxyRequestListener(app: ProxyApp) {
  return function onRequest(incoming: IncomingMessage, outgoing: ServerResponse): void {
    let settled: Response | Promise<Response>
    try {
      settled = app.fetch(STAND_IN, { incoming, outgoing })
    } catch {
      answerIfUnanswered(outgoing)
      return
    }
    if (settled instanceof Promise) {
      settled.then(
        () => answerIfUnanswered(outgoing),
        () => answerIfUnanswered(outgoing)
      )
    } else answerIfUnanswered(outgoing)
  }
}

function answerIfUnanswered(outgoing: ServerResponse): void {
  if (outgoing.headersSent || outgoing.destroyed || outgoing.writableEnded) return
  outgoing.writeHead(500, { 'content-length': '0' })
  outgoing.end()
}
