import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { BUILTIN_ROUTES } from '../routes/builtin.ts'
import { createRouteMatcher } from '../routes/match.ts'
import type { RouteDefinition } from '../routes/types.ts'
import type { Controls } from './controls.ts'
import { ControlError, readControls } from './controls.ts'
import type { Endpoint } from './endpoints.ts'
import { endpointFor, storageEndpoint } from './endpoints.ts'
import { reasonPhrase } from './errors.ts'
import type { FaultRate, Latency } from './faults.ts'
import {
  latencySampler,
  pickFault,
  resetSocket,
  validateFaultRates,
  writeBadStatus,
  writeGarbage,
} from './faults.ts'
import { buildReply } from './reply.ts'
import { createRecorder } from './recorder.ts'
import type { SimulatorRequestRecord } from './recorder.ts'
import { applyBodyVariants, jsonReply, sendReply, sleep } from './send.ts'
import type { ReceivedBody } from './upload.ts'
import { consumeBody, hasBody } from './upload.ts'

export type { FaultRate, Latency } from './faults.ts'
export type { SimulatorRequestRecord } from './recorder.ts'
export { simulatedBytes, simulatedSha256 } from './download.ts'
export { decodeKey, encodeKey } from './bodies.ts'

export interface SimulatorOptions {
  /** 0 (a free port) by default. */
  port?: number
  /** `127.0.0.1` by default. */
  host?: string
  /** Prefix stripped before route matching, e.g. `/v2`; `''` by default. */
  basePath?: string
  /** Errors injected into requests that carry no `x-sim-*` control. */
  faultRates?: FaultRate[]
  /** Added latency: fixed ms, or log-normal `{p50, p99}`; 0 by default. */
  latencyMs?: Latency
  /** Source of randomness for fault rates and latency; inject it for deterministic tests. */
  random?: () => number
  /**
   * At most this many request records are kept (the oldest half is dropped when full), so a long
   * benchmark does not grow without bound; 10 000 by default, 0 keeps none. Listeners and
   * `countRequests()` without a filter see every request regardless.
   */
  maxRecords?: number
}

export interface Simulator {
  /** `http://127.0.0.1:PORT` plus the base path: what a gateway uses as `UPSTREAM_URL`. */
  readonly url: string
  readonly port: number
  /** Every request in arrival order, recorded once its body has been read (at arrival if none). */
  readonly requests: SimulatorRequestRecord[]
  /** Calls `listener` for each request as it is recorded; returns the unsubscribe function. */
  onRequest(listener: (r: SimulatorRequestRecord) => void): () => void
  /** Without a filter: all requests since start or `reset()`, even beyond `maxRecords`. */
  countRequests(filter?: (r: SimulatorRequestRecord) => boolean): number
  /** Forgets the recorded requests. */
  reset(): void
  /** Stops listening and closes every connection, idle or busy. */
  close(): Promise<void>
}

function normalizeBasePath(basePath: string): string {
  if (basePath === '' || basePath === '/') return ''
  if (!basePath.startsWith('/') || /[?#]/.test(basePath)) {
    throw new TypeError(`expected basePath to be a path starting with /, got ${basePath}`)
  }
  return basePath.replace(/\/+$/, '')
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}

const ignore = () => {}
const NO_BODY: ReceivedBody = { bytes: 0, complete: true }

/** A malformed `x-sim-*` control: 400, so a mistyped test fails loudly instead of passing. */
function refuse(req: IncomingMessage, res: ServerResponse, error: ControlError): Promise<void> {
  const reply = jsonReply(400, {
    domain: 'simulator',
    code: 'BAD_SIM_CONTROL',
    message: error.message,
  })
  return sendReply(req, res, reply, { reason: 'Bad Request', extraHeaders: [] })
}

/**
 * Starts a LINE WORKS Drive API simulator: plain `node:http` (cheap enough to share cores with a
 * gateway and a load generator under benchmark), realistic bodies for the built-in routes, every
 * status of the seed table, and faults on demand through `x-sim-*` headers.
 *
 * @example
 * const sim = await startSimulator({ basePath: '/v2', faultRates: [{ status: 503, rate: 0.01 }] })
 * await request(`${sim.url}/files/${key}`, { headers: { 'x-sim-status': '598' } })
 * await sim.close()
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const basePath = normalizeBasePath(options.basePath ?? '')
  const faultRates = options.faultRates ?? []
  validateFaultRates(faultRates)
  const random = options.random ?? Math.random
  const latency = latencySampler(options.latencyMs ?? 0, random)
  const matchRoute = createRouteMatcher(BUILTIN_ROUTES)
  const endpoints = new Map<RouteDefinition, Endpoint>(
    BUILTIN_ROUTES.map((r) => [r, endpointFor(r)])
  )

  const recorder = createRecorder(options.maxRecords ?? 10_000)
  let origin = ''

  function relativePath(path: string): string | undefined {
    if (basePath === '') return path
    if (path === basePath) return '/'
    return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : undefined
  }

  async function respond(
    req: IncomingMessage,
    res: ServerResponse,
    controls: Controls,
    endpoint: Endpoint | undefined,
    params: Readonly<Record<string, string>>,
    query: URLSearchParams | undefined,
    received: ReceivedBody
  ): Promise<void> {
    const fault = controls.explicit ? undefined : pickFault(faultRates, random)
    const delay = controls.delayMs ?? fault?.delayMs ?? latency()
    if (delay > 0 && !(await sleep(res, delay))) return
    switch (controls.fault) {
      case 'hang':
        return // until the client or close() ends the socket
      case 'reset':
        return resetSocket(req.socket)
      case 'bad-status':
        return writeBadStatus(req.socket)
      case 'garbage':
        return writeGarbage(req.socket)
    }
    const request = {
      method: req.method ?? 'GET',
      params,
      query,
      origin,
      received,
      download: controls.download,
    }
    const reply = applyBodyVariants(
      buildReply({ req, controls, endpoint, request, fault }),
      controls.body
    )
    await sendReply(req, res, reply, {
      reason: reasonPhrase(reply.status),
      extraHeaders: controls.headers,
      mode:
        controls.fault === 'slow-body'
          ? 'slow'
          : controls.fault === 'reset-mid-body'
            ? 'cut'
            : undefined,
      chunkDelayMs: controls.chunkDelayMs,
      chunkBytes: controls.chunkBytes,
    })
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    // A client that leaves mid-request or mid-response is normal traffic, not a crash.
    req.on('error', ignore)
    res.on('error', ignore)
    const url = req.url ?? '/'
    const method = req.method ?? 'GET'
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const query = q === -1 ? undefined : new URLSearchParams(url.slice(q + 1))
    const storage = storageEndpoint(method, path)
    const relative = storage ? undefined : relativePath(path)
    const match = relative === undefined ? undefined : matchRoute(method, relative)
    const endpoint = storage ?? (match ? endpoints.get(match.route) : undefined)
    const params = match?.params ?? {}

    let controls: Controls | ControlError
    try {
      controls = readControls(req.headers, req.rawHeaders, query)
    } catch (error) {
      if (!(error instanceof ControlError)) throw error
      controls = error
    }

    const proceed = (received: ReceivedBody) => {
      recorder.record(req, received.bytes, !received.complete)
      if (!received.complete) return
      const work =
        controls instanceof ControlError
          ? refuse(req, res, controls)
          : respond(req, res, controls, endpoint, params, query, received)
      work.catch((error: unknown) => {
        // A bug here must not take the simulator down mid-benchmark; it shows on that response.
        console.error('simulator:', error)
        if (!res.headersSent) res.writeHead(500).end()
        else res.destroy()
      })
    }
    if (!hasBody(req)) return proceed(NO_BODY)
    const hash = endpoint?.upload === true && !(controls instanceof ControlError)
    void consumeBody(req, hash).then(proceed)
  }

  const server = createServer(
    { requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: 65_000 },
    handle
  )
  // Uploads reach 10 GiB: no whole-request deadline; idle keep-alive outlives a client's 60 s.
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  origin = `http://${urlHost(options.host ?? '127.0.0.1')}:${port}`
  let closing: Promise<void> | undefined

  return {
    url: `${origin}${basePath}`,
    port,
    requests: recorder.requests,
    onRequest: recorder.onRequest,
    countRequests: recorder.countRequests,
    reset: recorder.reset,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
      return closing
    },
  }
}
