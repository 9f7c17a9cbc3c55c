import { createHash } from 'node:crypto'
import { request } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { simulatedSha256, startSimulator, type Simulator } from '../src/simulator/index.ts'
import { spawnGateway, type GatewayProcess } from './helpers/gateway.ts'

const SIZE = 256 * 1024 * 1024
// The gateway runs in its own process so the bound is on its RSS, not the test runner's.
const MAX_GROWTH = 48 * 1024 * 1024

let sim: Simulator
let gw: GatewayProcess

beforeAll(async () => {
  sim = await startSimulator({ maxRecords: 100 })
  gw = await spawnGateway({ UPSTREAM_URL: sim.url, CACHE: 'off', LOG_LEVEL: 'warn' })
  // The first large transfer grows V8's young generation once (about 60 MiB here, whatever the
  // size); warm up so the bound below measures growth with the size of the body, not that.
  await download(64 * 1024 * 1024)
  await upload(64 * 1024 * 1024)
})

afterAll(async () => {
  await gw?.stop()
  await sim?.close()
})

/** Samples the gateway's RSS every 20 ms while `run` goes on; returns the peak. */
async function peakRssDuring(run: () => Promise<void>): Promise<number> {
  let peak = gw.rss()
  const timer = setInterval(() => (peak = Math.max(peak, gw.rss())), 20)
  try {
    await run()
  } finally {
    clearInterval(timer)
  }
  return Math.max(peak, gw.rss())
}

function download(size: number): Promise<{ received: number; sha256: string }> {
  let received = 0
  const hash = createHash('sha256')
  return new Promise((resolve, reject) => {
    request(`${gw.url}/files/big/download?size=${size}`, { agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`))
      res.on('data', (chunk: Buffer) => {
        received += chunk.length
        hash.update(chunk)
      })
      res.on('end', () => resolve({ received, sha256: hash.digest('hex') }))
      res.on('error', reject)
    })
      .on('error', reject)
      .end()
  })
}

const UPLOAD_CHUNK = Buffer.alloc(1024 * 1024, 7)

async function upload(size: number): Promise<{ receivedBytes: number; sha256: string }> {
  let answer = ''
  const req = request(`${gw.url}/files`, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(size) },
  })
  const response = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      res
        .setEncoding('utf8')
        .on('data', (d: string) => (answer += d))
        .on('end', resolve)
    })
    req.on('error', reject)
  })
  const chunks = size / UPLOAD_CHUNK.length
  await pipeline(
    Readable.from(
      (function* () {
        for (let i = 0; i < chunks; i++) yield UPLOAD_CHUNK
      })()
    ),
    req
  )
  await response
  return JSON.parse(answer) as { receivedBytes: number; sha256: string }
}

describe('bodies stream through with the gateway memory flat', () => {
  it('a 256 MiB download arrives whole and intact', async () => {
    const baseline = gw.rss()
    let result!: { received: number; sha256: string }
    const peak = await peakRssDuring(async () => {
      result = await download(SIZE)
    })
    expect(result.received).toBe(SIZE)
    expect(result.sha256).toBe(simulatedSha256(SIZE))
    expect(peak - baseline).toBeLessThan(MAX_GROWTH)
  })

  it('a 256 MiB upload reaches the upstream whole and intact', async () => {
    const baseline = gw.rss()
    const expected = createHash('sha256')
    for (let i = 0; i < SIZE / UPLOAD_CHUNK.length; i++) expected.update(UPLOAD_CHUNK)
    let result!: { receivedBytes: number; sha256: string }
    const peak = await peakRssDuring(async () => {
      result = await upload(SIZE)
    })
    expect(result.receivedBytes).toBe(SIZE)
    expect(result.sha256).toBe(expected.digest('hex'))
    expect(peak - baseline).toBeLessThan(MAX_GROWTH)
  })
})
