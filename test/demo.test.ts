import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

describe('npm run demo', () => {
  it('starts the simulator and gateway, sends traffic, and prints URLs and a summary', async () => {
    const child = spawn(process.execPath, ['demo/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, DEMO_DURATION_S: '4', DEMO_PORT: '0', DEMO_ADMIN_PORT: '0' },
    })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    expect(code).toBe(0)
    expect(out).toMatch(/gateway\s+http:\/\/127\.0\.0\.1:\d+/)
    expect(out).toMatch(/metrics\s+http:\/\/127\.0\.0\.1:\d+\/metrics/)
    const last = out.slice(out.lastIndexOf('requests sent'))
    const sent = Number(/requests sent (\d+)/.exec(last)?.[1])
    expect(sent).toBeGreaterThan(20)
    expect(last).toMatch(/^\s+200\s+\d+$/m)
    expect(last).toMatch(/p50 \d+\.\d/)
  })
})
