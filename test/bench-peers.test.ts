// The bench's peers (bench/peers/) must be real reverse proxies, or the ratios against them mean
// nothing: each passes the upstream's status, headers and body through (a small body and a large
// streamed one), and the Node floor drops hop-by-hop request fields (RFC 9110 §7.6.1).
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawRequest, startOrigin, type Origin } from './helpers/origin.ts'

const LARGE = Buffer.alloc(300 * 1024, 'x')

let origin: Origin
beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    if (req.url === '/large') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-up': 'large' })
      res.end(LARGE)
      return
    }
    const body = JSON.stringify({ url: req.url, method: req.method })
    res.writeHead(201, { 'content-type': 'application/json', 'x-up': 'small' })
    res.end(body)
  })
})
afterAll(() => origin.close())

function startPeer(file: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [file], {
    env: { ...process.env, PEER_PORT: '0', UPSTREAM_URL: origin.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) resolve({ url: m[1]!, child })
    })
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.once('exit', (code) => reject(new Error(`${file} exited ${code}: ${out}`)))
  })
}

const field = (raw: string[], name: string) => {
  const i = raw.findIndex((h, j) => j % 2 === 0 && h.toLowerCase() === name)
  return i < 0 ? undefined : raw[i + 1]
}

for (const [name, file] of [
  ['the Node floor', 'bench/peers/floor.ts'],
  ['fastify + @fastify/http-proxy', 'bench/peers/fastify.ts'],
] as const) {
  describe(`bench peer: ${name}`, () => {
    let peer: { url: string; child: ChildProcess }
    beforeAll(async () => {
      peer = await startPeer(file)
    })
    afterAll(() => {
      peer.child.kill()
    })

    it('passes status, headers and a small body through', async () => {
      const res = await rawRequest(`${peer.url}/files/abc?x=1`)
      expect(res.status).toBe(201)
      expect(field(res.rawHeaders, 'x-up')).toBe('small')
      expect(JSON.parse(res.body.toString())).toEqual({ url: '/files/abc?x=1', method: 'GET' })
    })

    it('passes a large body through whole', async () => {
      const res = await rawRequest(`${peer.url}/large`)
      expect(res.status).toBe(200)
      expect(res.complete).toBe(true)
      const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex')
      expect(digest(res.body)).toBe(digest(LARGE))
    })
  })
}

describe('bench peer: the Node floor, hop-by-hop fields', () => {
  it('does not forward Keep-Alive, Proxy-Connection or TE', async () => {
    const peer = await startPeer('bench/peers/floor.ts')
    try {
      const before = origin.seen.length
      await rawRequest(`${peer.url}/hop`, {
        headers: {
          'keep-alive': 'timeout=1',
          'proxy-connection': 'x',
          te: 'trailers',
          'x-e2e': '1',
        },
      })
      const seen = origin.seen.slice(before).find((s) => s.url === '/hop')!
      expect(field(seen.rawHeaders, 'x-e2e')).toBe('1')
      for (const hop of ['keep-alive', 'proxy-connection', 'te']) {
        expect(field(seen.rawHeaders, hop)).toBeUndefined()
      }
    } finally {
      peer.child.kill()
    }
  })
})
