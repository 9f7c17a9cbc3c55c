import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RULE_SETTINGS } from '../deploy/prometheus/rules.ts'
import { startSimulator } from '../src/simulator/index.ts'
import { startTestGateway } from './helpers/gateway.ts'

// What the alert rules assume about the exposition, checked on real gateways: a rule built on
// a wrong assumption evaluates fine and never (or always) fires.

let simulator: Awaited<ReturnType<typeof startSimulator>>

beforeAll(async () => {
  simulator = await startSimulator({})
})

afterAll(async () => {
  await simulator?.close()
})

async function exposition(env: Record<string, string>, path = '/users/u1/drive/files/f1') {
  const gateway = await startTestGateway({ UPSTREAM_URL: simulator.url, ...env })
  try {
    await (await fetch(gateway.url + path)).arrayBuffer()
    return await gateway.scrape()
  } finally {
    await gateway.close()
  }
}

describe('exposition the rules rely on', () => {
  it('Should label the latency threshold bucket exactly as the guard selects it', async () => {
    const text = await exposition({})
    // DriveGatewayLatencyHigh counts slow requests with le="<threshold>": the text must match.
    expect(text).toContain(`le="${RULE_SETTINGS.latencyP99Seconds}"`)
    expect(text).toMatch(/^http_server_request_duration_seconds_bucket\{.*le="\+Inf"/m)
  })

  it('Should report the cache store up with the in-memory store', async () => {
    expect(await exposition({})).toMatch(/^drive_gateway_cache_store_up 1$/m)
  })

  // DriveGatewayCacheStoreDown fires on `drive_gateway_cache_store_up == 0`: a gateway without
  // a cache has no store to be down, and must not page anyone for it.
  it('Should not report a store down when the cache is off', async () => {
    expect(await exposition({ CACHE: 'off' })).not.toMatch(/^drive_gateway_cache_store_up 0$/m)
  })
})
