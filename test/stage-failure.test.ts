import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MiddlewareHandler } from 'hono'
import { loadConfig } from '../src/config/index.ts'
import type { GatewayEnv } from '../src/exchange/stage.ts'
import { createLogger } from '../src/logging/logger.ts'
import { createDispatcher, createForward } from '../src/proxy/index.ts'
import { startGateway, type RunningGateway } from '../src/server.ts'
import { startOrigin, type Origin } from './helpers/origin.ts'

// The stages run as one chain inside one Hono handler (src/exchange/chain.ts). A stage that
// throws, at once or after awaiting, must still end its request with INTERNAL_ERROR, logged as
// JSON and counted, and leave the connection and the gateway serving.
let origin: Origin
let gateway: RunningGateway
const logs: Record<string, unknown>[] = []
let mode: 'ok' | 'throw' | 'reject' = 'ok'

const faultyStage: MiddlewareHandler<GatewayEnv> = (_c, next) => {
  if (mode === 'throw') throw new Error('stage bug, thrown')
  if (mode === 'reject') return Promise.reject(new Error('stage bug, rejected'))
  return next()
}

beforeAll(async () => {
  origin = await startOrigin((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  })
  const config = loadConfig({
    UPSTREAM_URL: origin.url,
    HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_HOST: '127.0.0.1',
    ADMIN_PORT: '0',
    CACHE: 'off',
  })
  const forward = createForward({
    dispatcher: createDispatcher(config),
    upstreams: config.upstreams,
    headersTimeoutMs: 5_000,
    bodyTimeoutMs: 5_000,
    retries: 0,
    observers: [],
  })
  const logger = createLogger('warn', (line) => logs.push(JSON.parse(line)))
  gateway = await startGateway(config, { logger, forward, cache: { stage: faultyStage } })
})
afterAll(async () => {
  await gateway?.shutdown(500)
  await origin?.close()
})

describe('a stage that fails', () => {
  for (const how of ['throw', 'reject'] as const) {
    it(`(${how}) gets INTERNAL_ERROR, a log line and a count; the next request is served`, async () => {
      mode = how
      const failed = await fetch(`${gateway.url}/files/abc`)
      expect(failed.status).toBe(500)
      expect(await failed.json()).toMatchObject({ code: 'INTERNAL_ERROR' })
      expect(logs.at(-1)).toMatchObject({ msg: 'stage failed' })
      expect(String(logs.at(-1)!.error)).toContain(
        `stage bug, ${how === 'throw' ? 'thrown' : 'rejected'}`
      )
      // Counted when the response has closed, which may be just after the client read it.
      const scrape = async () => (await fetch(`${gateway.adminUrl}/metrics`)).text()
      await expect
        .poll(scrape)
        .toMatch(/^drive_gateway_responses_total\{.*drive_error_code="INTERNAL_ERROR".*\} [1-9]/m)

      mode = 'ok'
      const served = await fetch(`${gateway.url}/files/abc`)
      expect(served.status).toBe(200)
      expect(await served.json()).toEqual({ ok: true })
    })
  }
})
