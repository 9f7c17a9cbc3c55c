// Issue 10 item 6: a stale entry with a validator is revalidated with If-None-Match /
// If-Modified-Since, on the request path (REVALIDATED) and by the background refresh; a 304
// updates the stored headers (all but the framing fields) and refreshes freshness, and the
// client gets the full stored response (RFC 9111 §4.3, §3.2, §4.3.4).
import type { ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, it } from 'vitest'
import type { TestGateway } from './helpers/gateway.ts'
import { createClient, type Client } from './helpers/cache/client.ts'
import { startCachingGateway } from './helpers/cache/gateway.ts'
import { startOrigin, type Origin, type OriginRequest } from './helpers/cache/origin.ts'

const CALLER = { authorization: 'Bearer revalidation' }

/** Polls until `check` holds, failing after `ms`. */
async function eventually(check: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`)
    await sleep(20)
  }
}

/**
 * An origin resource with validators: the first answer is a 200 with `first` headers; a
 * conditional request whose validator matches gets a 304 with `notModified` headers.
 */
function resource(first: string[], notModified: string[], body = '{"doc":"v1"}') {
  const seen: OriginRequest[] = []
  const handler = (req: OriginRequest, res: ServerResponse) => {
    seen.push(req)
    const etag = first[first.findIndex((v, i) => i % 2 === 0 && v.toLowerCase() === 'etag') + 1]
    const lm =
      first[first.findIndex((v, i) => i % 2 === 0 && v.toLowerCase() === 'last-modified') + 1]
    const inm = req.headers['if-none-match']
    const ims = req.headers['if-modified-since']
    if (
      (inm !== undefined && inm === etag) ||
      (inm === undefined && ims !== undefined && ims === lm)
    ) {
      res.writeHead(304, notModified)
      res.end()
      return
    }
    res.writeHead(200, [
      'Content-Type',
      'application/json',
      'Content-Length',
      String(Buffer.byteLength(body)),
      ...first,
    ])
    res.end(body)
  }
  return { seen, handler, body }
}

describe.concurrent('conditional revalidation with a 304 merge (RFC 9111 §4.3)', () => {
  let origin: Origin
  let strict: TestGateway
  let swr: TestGateway
  let client: Client
  const send = (gw: TestGateway, path: string, headers: Record<string, string> = {}) =>
    client.send(`${gw.url}${path}`, { headers: { ...CALLER, ...headers } })

  beforeAll(async () => {
    origin = await startOrigin()
    // No stale window: a stale entry is revalidated on the request path.
    strict = await startCachingGateway(origin.url, { CACHE_STALE_SECONDS: '0' })
    // A stale window: a stale entry is served and revalidated in the background.
    swr = await startCachingGateway(origin.url, { CACHE_STALE_SECONDS: '30' })
    client = createClient()
  })
  afterAll(async () => {
    await client.close()
    await strict.close()
    await swr.close()
    await origin.close()
  })

  it('request path: If-None-Match, a 304, the full stored body with updated headers', async ({
    expect,
  }) => {
    const path = '/files/reval-etag'
    const r = resource(
      ['ETag', '"v1"', 'Cache-Control', 'max-age=1', 'X-Version', 'old', 'X-Kept', 'same'],
      ['ETag', '"v1"', 'Cache-Control', 'max-age=30', 'X-Version', 'new', 'X-Added', 'yes']
    )
    origin.on(path, r.handler)
    const first = await send(strict, path)
    expect(first.cache).toBe('MISS')
    expect(r.seen[0]!.headers['if-none-match']).toBeUndefined()
    await sleep(1_300)
    const revalidated = await send(strict, path)
    expect(revalidated.cache).toBe('REVALIDATED')
    expect(revalidated.status).toBe(200)
    expect(revalidated.body.toString()).toBe(r.body)
    expect(r.seen[1]!.headers['if-none-match']).toBe('"v1"')
    expect(revalidated.headers).toMatchObject({
      'x-version': 'new',
      'x-added': 'yes',
      'x-kept': 'same',
      'cache-control': 'max-age=30',
      'content-length': String(r.body.length),
      'content-type': 'application/json',
    })
    // Freshness was refreshed by the 304's max-age=30.
    const hit = await send(strict, path)
    expect(hit.cache).toBe('HIT')
    expect(hit.headers['x-version']).toBe('new')
    expect(hit.body.toString()).toBe(r.body)
    expect(r.seen).toHaveLength(2)
  })

  it('request path: If-Modified-Since from Last-Modified when there is no ETag', async ({
    expect,
  }) => {
    const path = '/files/reval-lm'
    const lastModified = 'Sun, 06 Nov 1994 08:49:37 GMT'
    const r = resource(
      ['Last-Modified', lastModified, 'Cache-Control', 'max-age=1'],
      ['Cache-Control', 'max-age=30']
    )
    origin.on(path, r.handler)
    await send(strict, path)
    await sleep(1_300)
    const revalidated = await send(strict, path)
    expect(revalidated.cache).toBe('REVALIDATED')
    expect(r.seen[1]!.headers['if-modified-since']).toBe(lastModified)
    expect(r.seen[1]!.headers['if-none-match']).toBeUndefined()
    expect(revalidated.body.toString()).toBe(r.body)
  })

  it('a 304 never changes the stored framing (Content-Length)', async ({ expect }) => {
    const path = '/files/reval-framing'
    const r = resource(
      ['ETag', '"f"', 'Cache-Control', 'max-age=1'],
      ['ETag', '"f"', 'Cache-Control', 'max-age=30', 'Content-Length', '0']
    )
    origin.on(path, r.handler)
    await send(strict, path)
    await sleep(1_300)
    const revalidated = await send(strict, path)
    expect(revalidated.cache).toBe('REVALIDATED')
    expect(revalidated.headers['content-length']).toBe(String(r.body.length))
    expect(revalidated.body.toString()).toBe(r.body)
  })

  it('a 304 for another ETag is not merged: the full response is fetched', async ({ expect }) => {
    const path = '/files/reval-mismatch'
    let call = 0
    origin.on(path, (req, res) => {
      call++
      if (req.headers['if-none-match'] !== undefined) {
        res.writeHead(304, ['ETag', '"other"'])
        res.end()
        return
      }
      const body = JSON.stringify({ call })
      res.writeHead(200, [
        'ETag',
        '"mine"',
        'Cache-Control',
        'max-age=1',
        'Content-Length',
        String(body.length),
      ])
      res.end(body)
    })
    await send(strict, path)
    await sleep(1_300)
    const answer = await send(strict, path)
    expect(answer.cache).toBe('MISS')
    expect(JSON.parse(answer.body.toString())).toEqual({ call: 3 })
  })

  it('a changed resource answers 200 to the conditional request and replaces the entry', async ({
    expect,
  }) => {
    const path = '/files/reval-changed'
    let version = 1
    origin.on(path, (req, res) => {
      const etag = `"v${version}"`
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, ['ETag', etag])
        res.end()
        return
      }
      const body = JSON.stringify({ version })
      res.writeHead(200, [
        'ETag',
        etag,
        'Cache-Control',
        // The new version stays fresh long enough to be seen as a HIT on a loaded machine.
        `max-age=${version === 1 ? 1 : 30}`,
        'Content-Length',
        String(body.length),
      ])
      res.end(body)
    })
    await send(strict, path)
    version = 2
    await sleep(1_300)
    const answer = await send(strict, path)
    expect(answer.cache).toBe('MISS')
    expect(JSON.parse(answer.body.toString())).toEqual({ version: 2 })
    expect((await send(strict, path)).cache).toBe('HIT')
  })

  it('background refresh: conditional, and the 304 refreshes the entry', async ({ expect }) => {
    const path = '/files/reval-background'
    const r = resource(
      ['ETag', '"bg"', 'Cache-Control', 'max-age=1'],
      ['ETag', '"bg"', 'Cache-Control', 'max-age=30', 'X-Refreshed', '1']
    )
    origin.on(path, r.handler)
    await send(swr, path)
    await sleep(1_300)
    const stale = await send(swr, path)
    expect(stale.cache).toBe('STALE')
    expect(stale.body.toString()).toBe(r.body)
    await eventually(() => r.seen.length === 2)
    expect(r.seen[1]!.headers['if-none-match']).toBe('"bg"')
    // The refresh writes the merged entry after the origin's answer.
    await sleep(300)
    const hit = await send(swr, path)
    expect(hit.cache).toBe('HIT')
    expect(hit.headers['x-refreshed']).toBe('1')
    expect(hit.body.toString()).toBe(r.body)
    expect(r.seen).toHaveLength(2)
  })

  it('concurrent requests share one conditional call (COALESCED)', async ({ expect }) => {
    const path = '/files/reval-herd'
    const r = resource(
      ['ETag', '"h"', 'Cache-Control', 'max-age=1'],
      ['ETag', '"h"', 'Cache-Control', 'max-age=30']
    )
    origin.on(path, async (req, res) => {
      if (req.headers['if-none-match'] !== undefined) await sleep(200)
      r.handler(req, res)
    })
    await send(strict, path)
    await sleep(1_300)
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(strict, path)))
    expect(r.seen).toHaveLength(2)
    expect(answers.filter((a) => a.cache === 'REVALIDATED')).toHaveLength(1)
    expect(answers.filter((a) => a.cache === 'COALESCED')).toHaveLength(9)
    for (const a of answers) expect(a.body.toString()).toBe(r.body)
  })
})
