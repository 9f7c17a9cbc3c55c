import { request } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSimulator, type Simulator } from '../src/simulator/index.ts'
import { runGatewayToExit, spawnGateway } from './helpers/gateway.ts'
import { rawRequest } from './helpers/origin.ts'

describe('start-up with bad settings', () => {
  const cases: [string, Record<string, string>][] = [
    ['UPSTREAM_URL', {}],
    ['PORT', { UPSTREAM_URL: 'http://127.0.0.1:1', PORT: 'eighty' }],
    ['CACHE_TTL_SECONDS', { UPSTREAM_URL: 'http://127.0.0.1:1', CACHE_TTL_SECONDS: '1.5' }],
  ]
  for (const [name, env] of cases) {
    it(`exits non-zero with one line naming ${name}`, async () => {
      const { code, stderr, stdout } = await runGatewayToExit({
        PORT: '0',
        ADMIN_PORT: '0',
        ...env,
      })
      expect(code).toBe(2)
      expect(stdout).toBe('')
      const lines = stderr.trimEnd().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(new RegExp(`^drive-gateway: ${name}=`))
    })
  }

  it('exits non-zero with one line when the port is taken', async () => {
    const sim = await startSimulator()
    try {
      const { code, stderr } = await runGatewayToExit({
        ADMIN_PORT: '0',
        UPSTREAM_URL: sim.url,
        PORT: String(sim.port),
      })
      expect(code).toBe(1)
      expect(stderr.trimEnd().split('\n')).toHaveLength(1)
      expect(stderr).toMatch(/EADDRINUSE/)
    } finally {
      await sim.close()
    }
  })
})

describe('SIGTERM', () => {
  let sim: Simulator
  beforeAll(async () => {
    sim = await startSimulator()
  })
  afterAll(() => sim.close())

  it('turns /readyz 503, lets in-flight requests finish, then exits 0', async () => {
    const gw = await spawnGateway({
      UPSTREAM_URL: sim.url,
      CACHE: 'off',
      SHUTDOWN_DRAIN_MS: '5000',
    })
    expect((await fetch(`${gw.adminUrl}/readyz`)).status).toBe(200)
    const inFlight = rawRequest(`${gw.url}/files/slow`, { headers: { 'x-sim-delay-ms': '800' } })
    await sleep(200)
    gw.child.kill('SIGTERM')
    await sleep(100)
    const ready = await fetch(`${gw.adminUrl}/readyz`).then(
      (r) => r.status,
      () => 'closed'
    )
    expect(ready).toBe(503)
    const res = await inFlight
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body.toString()).resourceKey).toBe('slow')
    expect(await gw.exited).toBe(0)
  })

  it('cuts requests still running at the drain deadline and exits 0', async () => {
    const gw = await spawnGateway({ UPSTREAM_URL: sim.url, CACHE: 'off', SHUTDOWN_DRAIN_MS: '300' })
    const outcome = new Promise<string>((resolve) => {
      request(`${gw.url}/files/hang`, { headers: { 'x-sim-fault': 'hang' } }, (res) =>
        resolve(`status ${res.statusCode}`)
      )
        .on('error', () => resolve('cut'))
        .end()
    })
    await sleep(200)
    gw.child.kill('SIGTERM')
    expect(await outcome).toBe('cut')
    expect(await gw.exited).toBe(0)
  })
})
