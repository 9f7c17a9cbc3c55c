import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { spawnGateway, type GatewayProcess } from './helpers/gateway.ts'
import {
  headerValue,
  openRaw,
  parseResponses,
  type RawConnection,
} from './helpers/fuzz/raw-http.ts'
import { startOrigin, type Origin } from './helpers/origin.ts'

// Defect: on SIGTERM the listener closed every idle keep-alive connection at once and kept doing
// so every 50 ms, so a client that sent its next request right after a response found the
// connection reset; responses during the drain did not say `Connection: close`. Now every
// response during the drain carries `Connection: close`, a connection is closed only after 1 s
// idle, and no request sent on an open connection is reset.

let origin: Origin
let gw: GatewayProcess

beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    setTimeout(() => res.end(`ok ${req.url}`), 20)
  })
  gw = await spawnGateway({ UPSTREAM_URL: origin.url, CACHE: 'off', SHUTDOWN_DRAIN_MS: '10000' })
})

afterAll(async () => {
  await gw?.stop('SIGKILL')
  await origin?.close()
})

interface Exchange {
  sentAt: number
  outcome: 'answered' | 'reset'
  connectionClose: boolean
}

interface ClientLog {
  exchanges: Exchange[]
  /** How each connection ended after a `Connection: close` answer, and what a reconnect got. */
  endings: string[]
  reconnect: string | undefined
}

const port = () => Number(new URL(gw.url).port)

/** One keep-alive client: a request, its answer, `gapMs`, the next, until the gateway is gone. */
async function client(name: string, gapMs: () => number, stop: Promise<void>): Promise<ClientLog> {
  const log: ClientLog = { exchanges: [], endings: [], reconnect: undefined }
  let stopped = false
  void stop.then(() => (stopped = true))
  let conn: RawConnection = await openRaw(port())
  for (let n = 0; !stopped; n++) {
    const offset = conn.received().length
    const exchange: Exchange = {
      sentAt: performance.now(),
      outcome: 'reset',
      connectionClose: false,
    }
    log.exchanges.push(exchange)
    conn.socket.write(`GET /files/${name}-${n} HTTP/1.1\r\nHost: gw\r\n\r\n`)
    const answer = () => parseResponses(conn.received().subarray(offset), ['GET'])[0]
    await conn.until(() => answer()?.complete === true, 10_000)
    const response = answer()
    if (!response?.complete) return log
    exchange.outcome = 'answered'
    exchange.connectionClose = headerValue(response, 'connection')?.toLowerCase() === 'close'
    if (exchange.connectionClose) {
      log.endings.push(await conn.closed)
      const next = await openRaw(port()).catch((error: NodeJS.ErrnoException) => error.code!)
      if (typeof next === 'string') {
        log.reconnect = next
        return log
      }
      conn = next
      continue
    }
    await sleep(gapMs())
  }
  conn.socket.destroy()
  return log
}

it('≥8 keep-alive clients sending back to back through a drain: nothing is reset', async () => {
  let stopClients!: () => void
  const stop = new Promise<void>((resolve) => (stopClients = resolve))
  const busy = Array.from({ length: 8 }, (_, i) => client(`busy${i}`, () => 0, stop))
  // Clients that pause just under the idle limit between requests.
  // (With margin below 1 s: on a loaded machine a timer fires late, and the contract is about
  // when the request arrives, not when the client meant to send it.)
  const paced = [300, 500, 700].map((gap, i) => client(`paced${i}`, () => gap, stop))

  // One connection that goes quiet after its request: closed once idle for 1 s.
  const idle = await openRaw(port())
  idle.socket.write('GET /files/idle HTTP/1.1\r\nHost: gw\r\n\r\n')
  await idle.until((b) => parseResponses(b, ['GET'])[0]?.complete === true)
  const idleAnsweredAt = performance.now()

  await sleep(500)
  gw.child.kill('SIGTERM')
  let drainingAt = 0
  while (!drainingAt) {
    const status = await fetch(`${gw.adminUrl}/readyz`).then(
      (r) => r.status,
      () => 0
    )
    if (status === 503) drainingAt = performance.now()
    else await sleep(5)
  }
  const idleClosedHow = await idle.closed
  const idleClosedAt = performance.now()
  const exitCode = await gw.exited
  stopClients()
  const logs = await Promise.all([...busy, ...paced])

  expect(exitCode).toBe(0)
  expect(gw.stdout.join('\n')).not.toContain('drain deadline reached')
  for (const log of logs) {
    // Every request sent on an open connection was answered, during the drain too.
    expect(log.exchanges.filter((e) => e.outcome === 'reset')).toEqual([])
    // Each client was told to close, the gateway then closed its side, and a new connection
    // was refused because the listener had stopped: nothing was accepted and then dropped.
    const sentDuringDrain = log.exchanges.filter((e) => e.sentAt > drainingAt)
    for (const e of sentDuringDrain) expect(e.connectionClose).toBe(true)
    expect(log.exchanges.at(-1)!.connectionClose).toBe(true)
    expect(log.endings.at(-1)).toBe('end')
    expect(log.reconnect).toBe('ECONNREFUSED')
  }
  // The busy clients really were sending while the drain began.
  expect(logs.slice(0, 8).every((log) => log.exchanges.length > 3)).toBe(true)
  expect(idleClosedHow).toBe('end')
  expect(idleClosedAt - idleAnsweredAt).toBeGreaterThanOrEqual(1_000)
})
