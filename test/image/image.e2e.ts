import { readFileSync } from 'node:fs'

import { setTimeout as sleep } from 'node:timers/promises'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startSimulator, type Simulator } from '../../src/simulator/index.ts'

import { rawRequest } from '../helpers/origin.ts'
import { startRawUpstream, wireRequest, type RawUpstream } from '../helpers/raw-upstream.ts'

import { ensureBaseImage } from './base-image.ts'

import { buildImage, type BuiltImage } from './build.ts'

import { runContainer, type RunningContainer } from './container.ts'

import { podman, podmanOk } from './podman.ts'
import { sampleValue } from '../helpers/metrics-text.ts'

/**
 * deploy/Dockerfile built and run in a real container engine (podman), against the simulator
 * on the host. `npm run test:image`; `.ci/run` runs it after `npm test`.
 */

const IMAGE = 'localhost/drive-gateway:image-test'
const CONTAINER = `drive-gateway-image-test-${process.pid}`
const MB = 1e6

let base: { name: string; seconds: number }
let image: BuiltImage
let sim: Simulator
let gw: RunningContainer

beforeAll(async () => {
  // Rootless podman needs subordinate ids and another network setup; these machines run as root.
  if (process.getuid?.() !== 0)
    throw new Error('npm run test:image runs podman as root: run it as root')
  const started = performance.now()
  const name = await ensureBaseImage((line) => console.log(`base image: ${line}`))
  base = { name, seconds: (performance.now() - started) / 1000 }
  image = await buildImage(base.name, IMAGE)
  sim = await startSimulator()
  gw = await runContainer(IMAGE, CONTAINER, {
    UPSTREAM_URL: sim.url,
    CACHE: 'off',
    SHUTDOWN_DRAIN_MS: '5000',
  })
})

afterAll(async () => {
  await gw?.remove()
  await sim?.close()
  if (image && gw) {
    const baseSize = Number(await podmanOk(['image', 'inspect', '--format={{.Size}}', base.name]))
    console.log(
      [
        `image ${IMAGE}: ${(image.sizeBytes / MB).toFixed(0)} MB`,
        `(base ${(baseSize / MB).toFixed(0)} MB, ready in ${base.seconds.toFixed(1)} s)`,
        `built in ${image.buildSeconds.toFixed(1)} s;`,
        `start-up: listening after ${(gw.listeningMs / 1000).toFixed(2)} s,`,
        `/readyz 200 after ${(gw.readyMs / 1000).toFixed(2)} s`,
        `(the process itself: ${(gw.processMs / 1000).toFixed(2)} s to listening)`,
      ].join(' ')
    )
  }
})

async function inspect(format: string): Promise<string> {
  return (await podmanOk(['inspect', '--type=container', `--format=${format}`, CONTAINER])).trim()
}

describe('the image built from deploy/Dockerfile', () => {
  it('keeps the HEALTHCHECK and runs as uid 1000', async () => {
    const [inspected] = JSON.parse(await podmanOk(['image', 'inspect', IMAGE]))
    expect(inspected.Config.User).toBe('1000:1000')
    // podman keeps HEALTHCHECK only in the Docker format (--format=docker).
    expect(inspected.Healthcheck?.Test?.join(' ')).toMatch(/healthz/)
  })

  it('runs the gateway as uid and gid 1000', async () => {
    // The process as the host kernel sees it, not what the image claims.
    const pid = await inspect('{{.State.Pid}}')
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    expect(/^Uid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/)).toEqual([
      '1000',
      '1000',
      '1000',
      '1000',
    ])
    expect(/^Gid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/)).toEqual([
      '1000',
      '1000',
      '1000',
      '1000',
    ])
  })

  it('has a read-only root file system, even for root in the container', async () => {
    expect(await inspect('{{.HostConfig.ReadonlyRootfs}}')).toBe('true')
    const probe = `require('fs').writeFileSync(process.argv[1], 'x')`
    for (const path of ['/app/probe', '/tmp/probe']) {
      const write = await podman(['exec', '--user=0', CONTAINER, 'node', '-e', probe, path])
      expect(write.code).not.toBe(0)
      expect(write.stderr).toMatch(/EROFS/)
    }
  })

  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${gw.adminUrl}/healthz`)).status).toBe(200)
    expect((await fetch(`${gw.adminUrl}/readyz`)).status).toBe(200)
  })

  it("passes the image's HEALTHCHECK", async () => {
    const check = await podman(['healthcheck', 'run', CONTAINER])
    expect(check.stderr).toBe('')
    expect(check.code).toBe(0)
  })

  it('proxies to the simulator on the host, with labels in /metrics', async () => {
    const before = sim.requests.length
    const ok = await rawRequest(`${gw.url}/files/image-test`)
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body.toString()).resourceKey).toBe('image-test')
    const denied = await rawRequest(`${gw.url}/files/image-test`, {
      headers: { 'x-sim-status': '403' },
    })
    expect(denied.status).toBe(403)
    expect(sim.requests.length).toBe(before + 2)

    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text()
    const labels = {
      http_request_method: 'GET',
      http_route: '/files/{resourceKey}',
      drive_cache_status: 'none',
    }
    expect(
      sampleValue(metrics, 'drive_gateway_responses_total', {
        ...labels,
        http_response_status_code: '200',
        drive_error_code: '',
      })
    ).toBe(1)
    expect(
      sampleValue(metrics, 'drive_gateway_responses_total', {
        ...labels,
        http_response_status_code: '403',
      })
    ).toBe(1)
    expect(metrics).toMatch(/^drive_gateway_build_info\{[^}]*node_version="v26\./m)
  })

  it('keeps the reason of a status line split across reads (patches/ applied in the image)', async () => {
    // undici unpatched turns this `403 Forbidden` into `403 n`; the build must apply patches/
    // although its `npm ci` runs no install scripts.
    let upstream: RawUpstream | undefined
    let split: RunningContainer | undefined
    try {
      upstream = await startRawUpstream(() => ({
        chunks: [...'HTTP/1.1 403 Forbidden\r\n'.split(''), 'content-length: 2\r\n\r\n{}'],
        gapMs: 4,
      }))
      split = await runContainer(IMAGE, `${CONTAINER}-split`, {
        UPSTREAM_URL: upstream.url,
        CACHE: 'off',
      })
      const res = await wireRequest(split.url, '/files/abc')
      expect(res.statusLine).toBe('HTTP/1.1 403 Forbidden')
      expect(upstream.heads).toHaveLength(1)
    } finally {
      await split?.remove()
      await upstream?.close()
    }
  })

  it('drains on SIGTERM: /readyz turns 503, an in-flight request finishes, exit 0', async () => {
    const inFlight = rawRequest(`${gw.url}/files/slow`, { headers: { 'x-sim-delay-ms': '1500' } })
    await sleep(300)
    await podmanOk(['kill', '--signal=TERM', CONTAINER])
    await sleep(200)
    expect((await fetch(`${gw.adminUrl}/readyz`)).status).toBe(503)
    const res = await inFlight
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body.toString()).resourceKey).toBe('slow')
    expect(await gw.exited).toBe(0)
    expect(await inspect('{{.State.ExitCode}}')).toBe('0')
    expect(gw.logs.some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM')).toBe(true)
  })
})
