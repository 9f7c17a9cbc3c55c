import { describe, expect, it } from 'vitest'
import { spawnGateway } from './helpers/gateway.ts'
import { startOrigin } from './helpers/origin.ts'

// A SIGTERM that arrived right after the `listening` line, while start-up was still finishing,
// used to kill the process with the default action (no drain, exit by signal). Signals are
// heard from the start now: the gateway drains and exits 0.
describe('a SIGTERM during start-up', () => {
  it('drains and exits 0, every time', async () => {
    const origin = await startOrigin((_req, res) => res.end('{}'))
    try {
      for (let i = 0; i < 3; i++) {
        const gateway = await spawnGateway({ UPSTREAM_URL: origin.url, CACHE: 'off' })
        // At once, on the listening line: start-up may not have returned yet.
        gateway.child.kill('SIGTERM')
        expect(await gateway.exited).toBe(0)
        expect(gateway.child.signalCode).toBeNull()
      }
    } finally {
      await origin.close()
    }
  })
})
