import { setTimeout as sleep } from 'node:timers/promises'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { spawnGateway, type GatewayProcess } from './helpers/gateway.ts'

import { clientScript, type ClientScript } from './helpers/fuzz/client-grammar.ts'

import { headerValue, openRaw, parseResponses } from './helpers/fuzz/raw-http.ts'

import { Random } from './helpers/fuzz/random.ts'

import { startOrigin, type Origin } from './helpers/origin.ts'
import { sampleValue } from './helpers/metrics-text.ts'

// A hostile client in front of the gateway: seeded pipelines of odd but valid requests, CONNECT,
// Upgrade, Expect, malformed requests, and clients that leave at random points
// (test/helpers/fuzz/client-grammar.ts). The gateway runs as a child process, so an exit is
// seen. FUZZ_SEED and FUZZ_CONNECTIONS run it longer.

const SEED = Number(process.env.FUZZ_SEED ?? 1)
const CONNECTIONS = Number(process.env.FUZZ_CONNECTIONS ?? 600)
const CONCURRENCY = 16
const BIG = Buffer.alloc(100_000, 'b')

let origin: Origin
let gw: GatewayProcess

beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    const url = new URL(req.url!, 'http://x')
    req.resume()
    req.on('end', () => {
      const delay = Number(url.searchParams.get('delay') ?? 0)
      setTimeout(() => {
        if (res.destroyed) return
        res.setHeader('content-type', 'application/octet-stream')
        res.end(url.searchParams.has('big') ? BIG : 'ok')
      }, delay)
    })
  })
  gw = await spawnGateway({
    UPSTREAM_URL: origin.url,
    UPSTREAM_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'warn',
  })
})

afterAll(async () => {
  await gw?.stop('SIGKILL')
  await origin?.close()
})

interface Tally {
  /** Heads of routed responses the clients saw, by status. */
  seen: Map<number, number>
  routedSent: number
  connectAnswered: number
  connectSent: number
  /** Requests queued behind an answer that closed the connection. */
  unansweredAfterClose: number
  /** Routed requests, on connections the client left early, whose answers it did not see. */
  unansweredRude: number
  failures: string[]
}

async function scrape() {
  const text = await fetch(`${gw.adminUrl}/metrics`).then((r) => r.text())
  const byStatus = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line.startsWith('drive_gateway_responses_total{')) continue
    const status = /http_response_status_code="(\d+)"/.exec(line)![1]!
    byStatus.set(
      status,
      (byStatus.get(status) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1))
    )
  }
  return {
    byStatus,
    total: sampleValue(text, 'drive_gateway_responses_total'),
    active: sampleValue(text, 'http_server_active_requests'),
    abortedClient: sampleValue(text, 'drive_gateway_aborted_responses_total', { side: 'client' }),
    connect: sampleValue(text, 'drive_gateway_rejected_requests_total', { reason: 'connect' }),
  }
}

async function settled(before: { active: number }) {
  let after = await scrape()
  for (let i = 0; i < 100 && after.active !== before.active; i++) {
    await sleep(50)
    after = await scrape()
  }
  return after
}

async function run(id: number, script: ClientScript, tally: Tally, wellFormed: boolean) {
  const conn = await openRaw(Number(new URL(gw.url).port))
  const methods = script.items.map((i) => i.method)
  const answered = () => parseResponses(conn.received(), methods).filter((r) => r.complete).length
  const describe = () =>
    `${script.items.map((i) => i.label).join(' ')}; answers: ` +
    parseResponses(conn.received(), methods)
      .map((r) => `${r.status}${r.complete ? '' : ' cut'}`)
      .join(' ')
  const wait = async (count: number) => {
    await conn
      .until(() => answered() >= count, 8_000)
      .catch(() => {
        tally.failures.push(`conn #${id} (${describe()}): neither answered nor closed`)
      })
  }
  const all = Buffer.concat(script.items.map((i) => i.bytes))
  if (script.ending === 'leave-mid-write') {
    conn.socket.write(all.subarray(0, Math.floor(all.length / 2)))
    await sleep(script.leaveAfterMs)
  } else if (script.pipelined) {
    conn.socket.write(all)
  } else {
    for (const [n, item] of script.items.entries()) {
      conn.socket.write(item.bytes)
      if (script.ending === 'wait') await wait(n + 1)
      else await sleep(1)
    }
  }
  if (script.ending === 'wait') {
    await wait(script.items.length)
    // A well-formed pipeline is answered in full, unless an answer said `Connection: close`
    // (Node says so after an `Expect: 100-continue` it had no turn to answer): then the
    // requests queued behind it go unanswered, and their exchanges end as 499.
    const got = parseResponses(conn.received(), methods)
    const last = got.at(-1)
    const closing = last?.complete && headerValue(last, 'connection')?.toLowerCase() === 'close'
    if (got.filter((r) => r.complete).length < script.items.length) {
      if (closing) {
        tally.unansweredAfterClose += script.items
          .slice(got.length)
          .filter((i) => i.kind === 'routed').length
      } else if (wellFormed)
        tally.failures.push(`conn #${id} (${describe()}): closed before every answer`)
    }
  } else if (script.ending === 'half-close') {
    conn.socket.end()
    const how = await Promise.race([conn.closed, sleep(8_000).then(() => 'open')])
    if (how === 'open') tally.failures.push(`conn #${id}: half-closed, never closed`)
  } else await sleep(script.leaveAfterMs)
  conn.socket.destroy()
  for (const r of parseResponses(conn.received(), methods)) {
    if (headerValue(r, 'x-request-id') !== undefined) {
      tally.seen.set(r.status, (tally.seen.get(r.status) ?? 0) + 1)
    } else if (r.status === 405) tally.connectAnswered++
  }
  const routedSent = script.items.filter((i) => i.kind === 'routed').length
  tally.routedSent += routedSent
  tally.connectSent += script.items.filter((i) => i.method === 'CONNECT').length
  if (script.ending !== 'wait') {
    const seenHere = parseResponses(conn.received(), methods).filter(
      (r) => headerValue(r, 'x-request-id') !== undefined
    ).length
    tally.unansweredRude += routedSent - seenHere
  }
}

async function fuzz(seed: number, connections: number, wellFormed: boolean): Promise<Tally> {
  const random = new Random(seed)
  const scripts = Array.from({ length: connections }, () =>
    clientScript(random.fork(), { wellFormed })
  )
  const tally: Tally = {
    seen: new Map(),
    routedSent: 0,
    connectAnswered: 0,
    connectSent: 0,
    unansweredAfterClose: 0,
    unansweredRude: 0,
    failures: [],
  }
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let id = next++; id < scripts.length; id = next++)
        await run(id, scripts[id]!, tally, wellFormed)
    })
  )
  return tally
}

const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0)

/**
 * The counting contract, from both ends. `seen`: routed response heads the clients received.
 * `gone`: exchanges counted as 499 (no response started). `unseen`: exchanges counted with a
 * status whose head no client received: cut off before their bytes left the gateway (counted in
 * drive_gateway_aborted_responses_total{side="client"}), or written to a connection the client
 * had already left. counted = seen + gone + unseen, each exchange once.
 */
function counts(before: Awaited<ReturnType<typeof scrape>>, after: typeof before, tally: Tally) {
  const delta = (s: string) => (after.byStatus.get(s) ?? 0) - (before.byStatus.get(s) ?? 0)
  const counted = after.total - before.total
  const gone = delta('499')
  const seen = sum(tally.seen)
  for (const [status, n] of tally.seen)
    expect(delta(String(status)), `status ${status}`).toBeGreaterThanOrEqual(n)
  return {
    counted,
    gone,
    seen,
    unseen: counted - gone - seen,
    cut: after.abortedClient - before.abortedClient,
  }
}

describe(`hostile clients (seed ${SEED})`, () => {
  it(`well-formed pipelines, Upgrade, Expect and a closing CONNECT: every request answered and counted exactly`, async () => {
    const before = await scrape()
    const tally = await fuzz(SEED, Math.ceil(CONNECTIONS / 3), true)
    const after = await settled(before)
    expect(gw.child.exitCode, gw.stderr.join('')).toBeNull()
    expect(tally.failures.slice(0, 20)).toEqual([])
    expect(after.active).toBe(before.active)
    const c = counts(before, after, tally)
    // Every routed request was answered, except those queued behind a closing answer.
    expect(c.seen + tally.unansweredAfterClose).toBe(tally.routedSent)
    // These clients never leave: whatever was counted but not seen was cut off, and counted so.
    expect(c.unseen).toBe(c.cut)
    expect(c.gone + c.unseen).toBeLessThanOrEqual(tally.unansweredAfterClose)
    // Each CONNECT that reached the listener was counted; its 405 is lost only when an earlier
    // answer closed the connection.
    expect(after.connect - before.connect).toBeGreaterThanOrEqual(tally.connectAnswered)
    expect(after.connect - before.connect).toBeLessThanOrEqual(tally.connectSent)
  })

  it(`malformed requests and clients leaving at random points: never dies, counts stay consistent`, async () => {
    const before = await scrape()
    const tally = await fuzz(SEED + 1, CONNECTIONS, false)
    const after = await settled(before)
    expect(gw.child.exitCode, gw.stderr.join('')).toBeNull()
    expect(tally.failures.slice(0, 20)).toEqual([])
    expect(after.active).toBe(before.active)
    const c = counts(before, after, tally)
    // Nothing counted twice or made up; what was not seen went to clients that left early.
    expect(c.counted).toBeLessThanOrEqual(tally.routedSent)
    expect(c.unseen).toBeGreaterThanOrEqual(0)
    expect(c.unseen).toBeLessThanOrEqual(c.cut + tally.unansweredRude)
    expect(c.gone).toBeLessThanOrEqual(tally.unansweredRude + tally.unansweredAfterClose)
  })
})
