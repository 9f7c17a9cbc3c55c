import { setTimeout as sleep } from 'node:timers/promises'

import { afterAll, beforeAll, expect, it } from 'vitest'

import { spawnGateway, type GatewayProcess } from './helpers/gateway.ts'

import { checkUpstreamExchange } from './helpers/fuzz/check.ts'

import { startHostileUpstream, type HostileUpstream } from './helpers/fuzz/hostile-upstream.ts'

import { openRaw, parseResponses, type RawConnection } from './helpers/fuzz/raw-http.ts'

import { Random } from './helpers/fuzz/random.ts'

import { upstreamScript, type UpstreamScript } from './helpers/fuzz/upstream-grammar.ts'
import { sampleValue } from './helpers/metrics-text.ts'

// A hostile upstream behind the gateway: seeded random status lines, reason bytes, header fields,
// framings, encodings, drips and resets (test/helpers/fuzz/upstream-grammar.ts). The gateway runs
// as a child process, so an exit is seen. FUZZ_SEED and FUZZ_EXCHANGES run it longer.

const SEED = Number(process.env.FUZZ_SEED ?? 1)
const EXCHANGES = Number(process.env.FUZZ_EXCHANGES ?? 2000)
const CONCURRENCY = 16

const scripts = new Map<number, UpstreamScript>()
let upstream: HostileUpstream
let gw: GatewayProcess

beforeAll(async () => {
  upstream = await startHostileUpstream((id) => scripts.get(id))
  gw = await spawnGateway({
    UPSTREAM_URL: `${upstream.url}/base`,
    UPSTREAM_TIMEOUT_MS: '1500',
    UPSTREAM_BODY_TIMEOUT_MS: '1000',
    UPSTREAM_RETRIES: '0',
    LOG_LEVEL: 'warn',
  })
})

afterAll(async () => {
  await gw?.stop('SIGKILL')
  await upstream?.close()
})

async function scrape() {
  const text = await fetch(`${gw.adminUrl}/metrics`).then((r) => r.text())
  return {
    responses: sampleValue(text, 'drive_gateway_responses_total'),
    active: sampleValue(text, 'http_server_active_requests'),
    aborted: sampleValue(text, 'drive_gateway_aborted_responses_total'),
  }
}

it(`passes on or refuses ${EXCHANGES} hostile upstream responses, never dies (seed ${SEED})`, async () => {
  const random = new Random(SEED)
  for (let id = 0; id < EXCHANGES; id++) scripts.set(id, upstreamScript(random.fork()))
  const before = await scrape()
  const port = Number(new URL(gw.url).port)
  const failures: string[] = []
  let heads = 0
  let cut = 0
  let next = 0

  async function worker() {
    let conn: RawConnection | undefined
    let closed = true
    for (let id = next++; id < EXCHANGES; id = next++) {
      if (closed) {
        conn = await openRaw(port)
        closed = false
        void conn.closed.then(() => (closed = true))
      }
      const c = conn!
      const offset = c.received().length
      c.socket.write(
        `GET /files/fz-${id} HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer fuzz-${id % 5}\r\n\r\n`
      )
      const answer = () => parseResponses(c.received().subarray(offset), ['GET'])[0]
      try {
        await c.until(() => answer()?.complete === true, 15_000)
      } catch {
        failures.push(`#${id} (${scripts.get(id)!.label}): neither answered nor closed`)
        c.socket.destroy()
        continue
      }
      // A cut response ends with the gateway closing the connection.
      if (answer() && !answer()!.complete) await c.closed
      const response = answer()
      if (response) heads++
      if (response && !response.complete) cut++
      const failure = checkUpstreamExchange(scripts.get(id)!.expect, response)
      if (failure) failures.push(`#${id} (${scripts.get(id)!.label}): ${failure}`)
    }
    conn?.socket.destroy()
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))

  let after = await scrape()
  for (let i = 0; i < 100 && after.active !== before.active; i++) {
    await sleep(50)
    after = await scrape()
  }
  expect(gw.child.exitCode, gw.stderr.join('')).toBeNull()
  expect(failures.slice(0, 25)).toEqual([])
  expect(after.active).toBe(before.active)
  // Every exchange was counted once, and here every one's head reached its client.
  expect(heads).toBe(EXCHANGES)
  expect(after.responses - before.responses).toBe(heads)
  expect(after.aborted - before.aborted).toBe(cut)
})
