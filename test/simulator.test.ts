import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { Readable } from 'node:stream'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import { Agent, request } from 'undici'
import type { Dispatcher } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DRIVE_ERROR_CODES, DRIVE_STATUSES, STATUS_ONLY_CODES } from '../src/labels/drive-codes.ts'
import { parseFaults, parseLatency, simulatorOptionsFromEnv } from '../src/simulator/env.ts'
import { latencySampler } from '../src/simulator/faults.ts'
import type { Simulator } from '../src/simulator/index.ts'
import {
  encodeKey,
  simulatedBytes,
  simulatedSha256,
  startSimulator,
} from '../src/simulator/index.ts'

const FOLDER = encodeKey('14503002', '894594858504', true)
const FILE = encodeKey('14503002', '707561047304', false)
const MiB = 1024 * 1024

let sim: Simulator
const agent = new Agent({ keepAliveTimeout: 10_000 })

beforeAll(async () => {
  sim = await startSimulator()
})
afterAll(async () => {
  await sim.close()
  await agent.close()
})
afterEach(() => sim.reset())

interface Got {
  status: number
  reason: string
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  json(): Record<string, unknown>
}

interface SendOptions {
  method?: Dispatcher.HttpMethod
  headers?: Record<string, string>
  body?: string | Readable
}

async function send(url: string, { method = 'GET', headers, body: payload }: SendOptions = {}) {
  const res = await request(url, { dispatcher: agent, method, headers, body: payload })
  const body = Buffer.from(await res.body.arrayBuffer())
  return {
    status: res.statusCode,
    reason: res.statusText,
    headers: res.headers,
    body,
    json: () => JSON.parse(body.toString('utf8')) as Record<string, unknown>,
  } satisfies Got
}

const get = (path: string, headers: Record<string, string> = {}) =>
  send(`${sim.url}${path}`, { method: 'GET', headers })

/** Raw response headers as pairs, in order, repeats kept (undici folds them into an object). */
function rawHeaders(url: string, headers: Record<string, string>): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      res.resume()
      const pairs: string[][] = []
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        pairs.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!])
      }
      res.on('end', () => resolve(pairs))
    })
    req.on('error', reject)
    req.end()
  })
}

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    const e = error as { code?: string; name?: string; cause?: { code?: string } }
    return e.code ?? e.cause?.code ?? e.name ?? 'no code'
  }
  return 'resolved'
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

describe('the seed status table', () => {
  const errors = DRIVE_STATUSES.filter((s) => s.status >= 400)

  it.each(errors)('$status answers $reason with its default code', async ({ status, reason }) => {
    const res = await get(`/files/${FILE}`, { 'x-sim-status': String(status) })
    expect(res.status).toBe(status)
    expect(res.reason).toBe(reason)
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8')
    expect(Number(res.headers['content-length'])).toBe(res.body.length)
    const seed = DRIVE_ERROR_CODES.find((e) => e.status === status)
    const code = seed?.code ?? STATUS_ONLY_CODES[status]
    expect(code).toBeDefined()
    expect(res.json()).toEqual({ domain: 'drive', code, message: seed?.message ?? reason })
  })

  it.each(DRIVE_ERROR_CODES)('$status $code has the documented body', async (entry) => {
    const headers = { 'x-sim-status': String(entry.status), 'x-sim-code': entry.code }
    const res = await get(`/files/${FILE}`, headers)
    expect(res.status).toBe(entry.status)
    expect(res.reason).toBe(DRIVE_STATUSES.find((s) => s.status === entry.status)!.reason)
    expect(res.json()).toEqual({ domain: 'drive', code: entry.code, message: entry.message })
  })

  it.each(DRIVE_STATUSES.filter((s) => s.status < 300))(
    '$status $reason keeps the endpoint body',
    async ({ status, reason }) => {
      const res = await get(`/files/${FILE}`, { 'x-sim-status': String(status) })
      expect([res.status, res.reason]).toEqual([status, reason])
      if (status === 204) expect(res.body.length).toBe(0)
      else expect(res.json().resourceKey).toBe(FILE)
    }
  )

  it('answers 598 with the reason phrase Long Running Transaction', async () => {
    const res = await get(`/files/${FILE}`, { 'x-sim-status': '598' })
    expect([res.status, res.reason]).toEqual([598, 'Long Running Transaction'])
    expect(res.json().code).toBe('LONG_RUNNING_TRANSACTION')
  })

  it('gives statuses outside the table a code made from the reason phrase', async () => {
    const res = await get(`/files/${FILE}`, { 'x-sim-status': '502' })
    expect([res.status, res.reason]).toEqual([502, 'Bad Gateway'])
    expect(res.json()).toEqual({ domain: 'drive', code: 'BAD_GATEWAY', message: 'Bad Gateway' })
  })

  it('reads the same controls from sim-* query parameters', async () => {
    const res = await get(`/files/${FILE}?sim-status=503&sim-code=SERVICE_MAINTENANCE`)
    expect(res.status).toBe(503)
    expect(res.json().code).toBe('SERVICE_MAINTENANCE')
    expect(sim.requests[0]!.url).toBe(`/files/${FILE}?sim-status=503&sim-code=SERVICE_MAINTENANCE`)
  })

  it('answers the v2 and API-gateway error shapes', async () => {
    const v2 = await get('/files/x', { 'x-sim-status': '429', 'x-sim-error-shape': 'v2' })
    expect(v2.json()).toEqual({ code: 'TOO_MANY_REQUESTS', description: 'Too Many Request' })
    const gw = await get('/files/x', {
      'x-sim-status': '401',
      'x-sim-code': '028',
      'x-sim-error-shape': 'gateway',
    })
    expect(gw.json()).toEqual({ errorCode: '028', errorMessage: 'Simulated 028' })
  })

  it('rejects a malformed control with a 400 naming it', async () => {
    const res = await get('/files/x', { 'x-sim-status': 'abc' })
    expect(res.status).toBe(400)
    expect(res.json()).toMatchObject({ code: 'BAD_SIM_CONTROL' })
    expect(String(res.json().message)).toContain('x-sim-status')
  })
})

describe('x-sim-body', () => {
  const error = { 'x-sim-status': '400', 'x-sim-code': 'LOCKED_FILE' }

  it('not-json sends HTML', async () => {
    const res = await get('/files/x', { ...error, 'x-sim-body': 'not-json' })
    expect(res.headers['content-type']).toBe('text/html;charset=UTF-8')
    expect(() => res.json()).toThrow()
  })

  it('truncated sends half the JSON with a matching content-length', async () => {
    const whole = (await get('/files/x', error)).body
    const res = await get('/files/x', { ...error, 'x-sim-body': 'truncated' })
    expect(res.body).toEqual(whole.subarray(0, Math.floor(whole.length / 2)))
    expect(Number(res.headers['content-length'])).toBe(res.body.length)
  })

  it.each([
    ['gzip', gunzipSync],
    ['br', brotliDecompressSync],
    ['deflate', inflateSync],
  ] as const)('%s encodes the JSON body', async (coding, decode) => {
    const res = await get('/files/x', { ...error, 'x-sim-body': coding })
    expect(res.headers['content-encoding']).toBe(coding)
    expect(Number(res.headers['content-length'])).toBe(res.body.length)
    expect(JSON.parse(decode(res.body).toString()).code).toBe('LOCKED_FILE')
  })

  it('huge streams 10 MiB with the code only at the end', async () => {
    const res = await get('/files/x', { ...error, 'x-sim-body': 'huge' })
    expect(res.body.length).toBe(10 * MiB)
    expect(Number(res.headers['content-length'])).toBe(10 * MiB)
    expect(res.body.indexOf('LOCKED_FILE')).toBeGreaterThan(10 * MiB - 200)
    expect(res.json().code).toBe('LOCKED_FILE')
  })

  it('huge,gzip is a compressed, chunked huge body; x-sim-size sets its size', async () => {
    const res = await get('/files/x', {
      ...error,
      'x-sim-body': 'huge,gzip',
      'x-sim-size': '3000000',
    })
    expect(res.headers['content-length']).toBeUndefined()
    expect(res.body.length).toBeLessThan(100_000)
    const json = gunzipSync(res.body)
    expect(json.length).toBe(3_000_000)
    expect(JSON.parse(json.toString()).code).toBe('LOCKED_FILE')
  })

  it('empty sends no bytes', async () => {
    const res = await get('/files/x', { ...error, 'x-sim-body': 'empty' })
    expect([res.status, res.body.length, res.headers['content-length']]).toEqual([400, 0, '0'])
  })

  it('bad-code sends a code no label may carry', async () => {
    const { code } = (await get('/files/x', { ...error, 'x-sim-body': 'bad-code' })).json()
    expect(String(code)).not.toMatch(/^[A-Za-z0-9_.-]{1,64}$/)
  })

  it('random-code sends a new valid code each time, status 500 by default', async () => {
    const a = await get('/files/x', { 'x-sim-body': 'random-code' })
    const b = await get('/files/x', { 'x-sim-body': 'random-code' })
    expect(a.status).toBe(500)
    expect(a.json().code).toMatch(/^[A-Za-z0-9_.-]{1,64}$/)
    expect(a.json().code).not.toBe(b.json().code)
  })

  it('numeric-code and both-codes', async () => {
    const numeric = await get('/files/x', { 'x-sim-status': '401', 'x-sim-body': 'numeric-code' })
    expect(numeric.json()).toEqual({ errorCode: 28, errorMessage: 'Authentication Fail' })
    const both = (await get('/files/x', { ...error, 'x-sim-body': 'both-codes' })).json()
    expect(Object.keys(both)[0]).toBe('errorCode')
    expect([both.code, both.errorCode]).toEqual(['LOCKED_FILE', '028'])
  })
})

describe('x-sim-fault', () => {
  it('hang accepts the request and never answers', async () => {
    const code = await errorCode(
      request(`${sim.url}/files/x`, {
        dispatcher: agent,
        headers: { 'x-sim-fault': 'hang' },
        headersTimeout: 300,
      })
    )
    expect(code).toBe('UND_ERR_HEADERS_TIMEOUT')
    expect(sim.countRequests()).toBe(1)
  })

  it('reset destroys the connection before any response', async () => {
    const code = await errorCode(get('/files/x', { 'x-sim-fault': 'reset' }))
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(code)
  })

  it('reset-mid-body announces a length, sends half, then closes', async () => {
    const res = await request(`${sim.url}/files/x/download?size=1000000`, {
      dispatcher: agent,
      headers: { 'x-sim-fault': 'reset-mid-body' },
    })
    expect([res.statusCode, res.headers['content-length']]).toEqual([200, '1000000'])
    let received = 0
    const code = await errorCode(
      (async () => {
        for await (const chunk of res.body) received += (chunk as Buffer).length
      })()
    )
    expect(code).toBe('UND_ERR_SOCKET')
    expect(received).toBe(500_000)
  })

  it('bad-status writes a status line outside 100-999', async () => {
    const code = await errorCode(get('/files/x', { 'x-sim-fault': 'bad-status' }))
    expect(code).toBe('HTTPParserError')
  })

  it('garbage writes bytes that are not HTTP', async () => {
    const code = await errorCode(get('/files/x', { 'x-sim-fault': 'garbage' }))
    expect(code).toBe('HTTPParserError')
  })

  it('slow-body spaces the body chunks by x-sim-chunk-delay-ms', async () => {
    const started = performance.now()
    const res = await get(`/files/${FILE}`, {
      'x-sim-fault': 'slow-body',
      'x-sim-chunk-delay-ms': '40',
      'x-sim-chunk-bytes': '100',
    })
    const chunks = Math.ceil(res.body.length / 100)
    expect(res.json().resourceKey).toBe(FILE)
    // A lower bound only: the body cannot arrive before its last chunk was sent.
    expect(performance.now() - started).toBeGreaterThanOrEqual(chunks * 40 - 5)
  })

  it('x-sim-delay-ms holds the headers back', async () => {
    const started = performance.now()
    await get('/files/x', { 'x-sim-delay-ms': '250' })
    expect(performance.now() - started).toBeGreaterThanOrEqual(245)
  })

  it('close() ends a hanging request', async () => {
    const own = await startSimulator()
    const pending = errorCode(request(`${own.url}/files/x`, { headers: { 'x-sim-fault': 'hang' } }))
    await new Promise((resolve) => own.onRequest(resolve))
    await own.close()
    expect(await pending).toMatch(/UND_ERR_SOCKET|ECONNRESET/)
  })
})

describe('headers', () => {
  it('echoes x-sim-headers in order, repeats kept, after its own', async () => {
    const extra = [
      ['set-cookie', 'a=1'],
      ['x-custom', 'first'],
      ['set-cookie', 'b=2'],
      ['RateLimit-Remaining', '17'],
    ]
    const pairs = await rawHeaders(`${sim.url}/files/x`, { 'x-sim-headers': JSON.stringify(extra) })
    const names = pairs.map(([n]) => n!.toLowerCase())
    const hop = ['date', 'connection', 'keep-alive']
    expect(pairs.filter(([n]) => !hop.includes(n!.toLowerCase()))).toEqual([
      ['content-type', 'application/json;charset=UTF-8'],
      ['content-length', expect.any(String)],
      ...extra,
    ])
    expect(names).toContain('date')
  })

  it('accepts an object with list values', async () => {
    const res = await get('/files/x', { 'x-sim-headers': '{"set-cookie":["a=1","b=2"],"x-a":"1"}' })
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2'])
    expect(res.headers['x-a']).toBe('1')
  })

  it('refuses x-sim-headers that Node could not send', async () => {
    const res = await get('/files/x', { 'x-sim-headers': '{"x-bad":"a\\u0001b"}' })
    expect([res.status, res.json().code]).toEqual([400, 'BAD_SIM_CONTROL'])
    const framing = await get('/files/x', { 'x-sim-headers': '{"content-length":"1"}' })
    expect(Number(framing.headers['content-length'])).toBe(framing.body.length)
  })

  it('keeps connections alive for 65 s', async () => {
    const res = await get('/files/x')
    expect(res.headers['keep-alive']).toBe('timeout=65')
  })

  it('sends no etag or cache-control unless asked', async () => {
    const plain = await get(`/files/${FILE}`)
    expect(plain.headers.etag).toBeUndefined()
    expect(plain.headers['cache-control']).toBeUndefined()
    const asked = await get(`/files/${FILE}`, {
      'x-sim-etag': '1',
      'x-sim-cache-control': 'max-age=5',
    })
    expect(asked.headers.etag).toMatch(/^"[\w-]+"$/)
    expect(asked.headers['cache-control']).toBe('max-age=5')
    expect((await get(`/files/${FILE}`, { 'x-sim-etag': '1' })).headers.etag).toBe(
      asked.headers.etag
    )
    const revalidated = await get(`/files/${FILE}`, {
      'x-sim-etag': '1',
      'if-none-match': String(asked.headers.etag),
    })
    expect([revalidated.status, revalidated.body.length]).toEqual([304, 0])
  })

  it('x-sim-echo returns what reached the simulator', async () => {
    const res = await send(`${sim.url}/files/${FILE}/copy?x=1`, {
      method: 'POST',
      headers: { 'x-sim-echo': '1', traceparent: '00-abc-def-01', 'X-Forwarded-For': '10.0.0.1' },
      body: 'hello',
    })
    const echo = res.json() as {
      method: string
      url: string
      headers: string[][]
      bodyBytes: number
    }
    expect([echo.method, echo.url, echo.bodyBytes]).toEqual(['POST', `/files/${FILE}/copy?x=1`, 5])
    expect(echo.headers).toContainEqual(['traceparent', '00-abc-def-01'])
    expect(echo.headers).toContainEqual(['X-Forwarded-For', '10.0.0.1'])
  })
})

describe('endpoints', () => {
  it('API 1.0 file object: folder or file from the key, any other key a file', async () => {
    const folder = (await get(`/files/${FOLDER}`)).json()
    expect(folder).toMatchObject({
      resourceKey: FOLDER,
      resourceType: 'folder',
      fileType: 'folder',
    })
    expect(Object.keys(folder)).toEqual([
      'resourceSize',
      'resourceKey',
      'resourceLocation',
      'resourceType',
      'resourcePath',
      'fileType',
      'folderType',
      'createDate',
      'updateDate',
      'accessDate',
      'updateUser',
      'hasExif',
      'hasThumbnail',
      'uploaded',
      'locked',
      'virus',
      'memberShare',
      'linkShare',
      'group',
      'protected',
    ])
    expect((await get(`/files/${FILE}`)).json().resourceType).toBe('file')
    expect((await get('/files/not-a-key')).json()).toMatchObject({ resourceKey: 'not-a-key' })
  })

  it('API 1.0 lists honour offset and limit', async () => {
    const first = (await get(`/files/${FOLDER}/children?limit=5`)).json()
    expect([first.offset, first.hasMore, (first.items as unknown[]).length]).toEqual([0, true, 5])
    const last = (await get(`/files/${FOLDER}/children?offset=40&limit=20`)).json()
    expect([last.offset, last.hasMore, (last.items as unknown[]).length]).toEqual([40, false, 5])
    const bin = (await get('/recycle-files?offset=10&limit=3')).json()
    expect((bin.items as { deleteDate: number }[]).map((i) => typeof i.deleteDate)).toEqual([
      'number',
      'number',
      'number',
    ])
  })

  it('API 1.0 writes: DELETE 204, restore / copy 200 JSON', async () => {
    const del = await send(`${sim.url}/files/${FILE}`, { method: 'DELETE' })
    expect([del.status, del.body.length]).toEqual([204, 0])
    const restore = await send(`${sim.url}/recycle-files/${FILE}/restore`, {
      method: 'POST',
      body: '{}',
    })
    expect(restore.json()).toEqual({ shareNo: 0, resourceKey: FILE, resourceNo: 707561047304 })
    const copy = await send(`${sim.url}/files/${FILE}/copy`, { method: 'POST', body: '{}' })
    expect(copy.status).toBe(200)
  })

  it('API 2.0 File object and cursor lists', async () => {
    const file = (await get(`/users/me/drive/files/${FILE}`)).json()
    expect(file).toMatchObject({ fileId: FILE, fileType: 'DOC', modifiedTime: expect.any(String) })
    const ids: string[] = []
    let cursor: string | null = ''
    for (let pages = 0; cursor !== null && pages < 10; pages++) {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
      const list = (await get(`/sharedrives/@1/files/${FOLDER}/children?count=20${query}`)).json()
      const files = list.files as { fileId: string; parentFileId: string }[]
      ids.push(...files.map((f) => f.fileId))
      expect(files.every((f) => f.parentFileId === FOLDER)).toBe(true)
      cursor = (list.responseMetaData as { nextCursor: string | null }).nextCursor
    }
    expect(new Set(ids).size).toBe(45)
  })

  it('API 2.0 upload: POST …/files gives an uploadUrl that takes the bytes', async () => {
    const step1 = await send(`${sim.url}/users/me/drive/files`, {
      method: 'POST',
      body: '{"fileName":"a.txt","fileSize":3}',
    })
    const { uploadUrl, offset } = step1.json() as { uploadUrl: string; offset: number }
    expect([step1.status, offset]).toEqual([200, 0])
    const step2 = await send(uploadUrl, { method: 'POST', body: 'abc' })
    expect(step2.status).toBe(201)
    expect(step2.json()).toMatchObject({ receivedBytes: 3, sha256: sha256(Buffer.from('abc')) })
  })

  it('API 2.0 download redirects to bytes, unless x-sim-download: bytes', async () => {
    const redirect = await get(`/groups/7/folder/files/${FILE}/download?size=1234`)
    expect(redirect.status).toBe(302)
    const location = String(redirect.headers.location)
    const bytes = await send(location)
    expect([bytes.status, bytes.body.length]).toEqual([200, 1234])
    const direct = await get(`/groups/7/folder/files/${FILE}/download?size=10`, {
      'x-sim-download': 'bytes',
    })
    expect([direct.status, direct.body.length]).toEqual([200, 10])
  })

  it('unknown paths answer 404 RESOURCE_NOT_FOUND', async () => {
    const res = await get('/no/such/thing')
    expect(res.status).toBe(404)
    expect(res.json()).toEqual({
      domain: 'drive',
      code: 'RESOURCE_NOT_FOUND',
      message: 'Resource Not Exist',
    })
  })
})

describe('downloads', () => {
  it('streams deterministic bytes of the requested size', async () => {
    const res = await get(`/files/${FILE}/download?size=300000`)
    expect(res.headers['content-type']).toBe('application/octet-stream')
    expect(res.headers['content-length']).toBe('300000')
    expect(sha256(res.body)).toBe(simulatedSha256(300_000))
    const viaHeader = await get(`/files/${FILE}/download`, { 'x-sim-size': '70000' })
    expect(viaHeader.body).toEqual(Buffer.concat([...simulatedBytes(0, 70_000)]))
    expect((await get(`/files/${FILE}/download`)).body.length).toBe(MiB)
  })

  it('answers a single range with 206 and content-range', async () => {
    const res = await get(`/files/${FILE}/download?size=200000`, { range: 'bytes=65000-131099' })
    expect(res.status).toBe(206)
    expect(res.headers['content-range']).toBe('bytes 65000-131099/200000')
    expect(res.body).toEqual(Buffer.concat([...simulatedBytes(65_000, 131_100)]))
    const suffix = await get(`/files/${FILE}/download?size=1000`, { range: 'bytes=-10' })
    expect(suffix.headers['content-range']).toBe('bytes 990-999/1000')
    const none = await get(`/files/${FILE}/download?size=1000`, { range: 'bytes=1000-' })
    expect([none.status, none.headers['content-range']]).toEqual([416, 'bytes */1000'])
  })

  it('HEAD announces the length without sending bytes', async () => {
    const res = await send(`${sim.url}/files/${FILE}/download?size=5000`, { method: 'HEAD' })
    expect([res.status, res.headers['content-length'], res.body.length]).toEqual([200, '5000', 0])
  })

  it('streams 256 MiB without growing its process by more than 64 MiB', async () => {
    // The client runs in a child process, so this process's RSS is the simulator's alone (a
    // client here would count its own not-yet-collected chunks).
    const size = 256 * MiB
    const before = process.memoryUsage().rss
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10)
    const client = spawn(
      process.execPath,
      [
        '-e',
        `require('node:http').get(process.argv[1], (res) => {
          let n = 0
          res.on('data', (c) => (n += c.length))
          res.on('end', () => console.log(res.statusCode, n))
        })`,
        `${sim.url}/files/${FILE}/download?size=${size}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] }
    )
    let out = ''
    client.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    const [code] = await once(client, 'exit')
    clearInterval(sampler)
    peak = Math.max(peak, process.memoryUsage().rss)
    expect([code, out.trim()]).toEqual([0, `200 ${size}`])
    expect(peak - before).toBeLessThan(64 * MiB)
  })

  it('stops producing bytes while the client does not read (backpressure)', async () => {
    const before = process.memoryUsage().heapUsed
    const req = httpRequest(`${sim.url}/files/${FILE}/download?size=${8 * 1024 * MiB}`)
    req.on('response', (res) => res.pause())
    req.on('error', () => {})
    req.end()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    // Writes queued past backpressure hold a request object each: 8 GiB of them is tens of MiB.
    const growth = process.memoryUsage().heapUsed - before
    req.destroy()
    expect(growth).toBeLessThan(16 * MiB)
  })

  it('survives clients that leave mid-body, mid-delay and mid-slow-body', async () => {
    const res = await request(`${sim.url}/files/${FILE}/download?size=${1024 * MiB}`, {
      dispatcher: agent,
    })
    for await (const _chunk of res.body) break // destroys the body: the client is gone
    const delayed = new AbortController()
    const late = errorCode(
      request(`${sim.url}/files/x`, {
        dispatcher: agent,
        headers: { 'x-sim-delay-ms': '5000' },
        signal: delayed.signal,
      })
    )
    const slow = await request(`${sim.url}/files/x`, {
      dispatcher: agent,
      headers: { 'x-sim-fault': 'slow-body', 'x-sim-chunk-delay-ms': '50' },
    })
    slow.body.destroy()
    delayed.abort()
    expect(await late).not.toBe('resolved')
    await new Promise((resolve) => setTimeout(resolve, 200))
    // Still serving; an unhandled error would also fail this file.
    expect((await get(`/files/${FILE}`)).status).toBe(200)
  })
})

describe('uploads', () => {
  function* pattern(total: number): Generator<Buffer> {
    const block = Buffer.alloc(1 << 16)
    for (let sent = 0, n = 0; sent < total; n++) {
      block.fill(n & 0xff)
      const piece = block.subarray(0, Math.min(block.length, total - sent))
      sent += piece.length
      yield Buffer.from(piece)
    }
  }

  function expected(total: number): string {
    const hash = createHash('sha256')
    for (const piece of pattern(total)) hash.update(piece)
    return hash.digest('hex')
  }

  it('counts and hashes a streamed multipart upload (chunked and with a length)', async () => {
    const size = 48 * MiB + 123
    const variants: Record<string, string>[] = [
      { 'content-type': 'multipart/form-data; boundary=x' },
      { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(size) },
    ]
    for (const headers of variants) {
      const res = await send(`${sim.url}/files`, {
        method: 'POST',
        headers,
        body: Readable.from(pattern(size)),
      })
      expect(res.status).toBe(201)
      expect(res.reason).toBe('Create')
      expect(res.json()).toMatchObject({
        versionNo: 1,
        shareNo: 0,
        receivedBytes: size,
        sha256: expected(size),
      })
      expect(sim.requests.at(-1)).toMatchObject({ method: 'POST', bodyBytes: size, aborted: false })
    }
  })

  it('records an upload the client abandoned', async () => {
    const aborted = new Promise((resolve) => sim.onRequest(resolve))
    const controller = new AbortController()
    async function* endless() {
      yield Buffer.alloc(100_000)
      await new Promise((resolve) => setTimeout(resolve, 100))
      controller.abort()
      await new Promise(() => {})
    }
    const pending = errorCode(
      request(`${sim.url}/files`, {
        method: 'POST',
        body: Readable.from(endless()),
        signal: controller.signal,
      })
    )
    expect(await pending).not.toBe('resolved')
    expect(await aborted).toMatchObject({ aborted: true, bodyBytes: 100_000 })
  })
})

describe('recording', () => {
  it('records in arrival order; onRequest, countRequests and reset', async () => {
    const seen: string[] = []
    const off = sim.onRequest((r) => seen.push(r.url))
    await get('/files/a')
    await get('/files/b', { 'x-test': '1' })
    off()
    await get('/files/c')
    expect(seen).toEqual(['/files/a', '/files/b'])
    expect(sim.requests.map((r) => r.url)).toEqual(['/files/a', '/files/b', '/files/c'])
    expect(sim.countRequests()).toBe(3)
    expect(sim.countRequests((r) => r.headers['x-test'] === '1')).toBe(1)
    sim.reset()
    expect([sim.requests.length, sim.countRequests()]).toEqual([0, 0])
  })

  it('keeps at most maxRecords but counts them all', async () => {
    const own = await startSimulator({ maxRecords: 4 })
    try {
      for (let i = 0; i < 9; i++) await send(`${own.url}/files/${i}`)
      expect(own.requests.length).toBeLessThanOrEqual(4)
      expect(own.requests.at(-1)!.url).toBe('/files/8')
      expect(own.countRequests()).toBe(9)
    } finally {
      await own.close()
    }
  })
})

describe('options', () => {
  it('strips basePath before matching; paths outside it are 404', async () => {
    const own = await startSimulator({ basePath: '/v2/' })
    try {
      expect(own.url).toBe(`http://127.0.0.1:${own.port}/v2`)
      expect((await send(`${own.url}/files/${FILE}`)).json().resourceKey).toBe(FILE)
      expect((await send(`http://127.0.0.1:${own.port}/files/${FILE}`)).status).toBe(404)
      expect((await send(`http://127.0.0.1:${own.port}/v2x/files/${FILE}`)).status).toBe(404)
    } finally {
      await own.close()
    }
  })

  it('applies fault rates with the injected random, never to explicit requests', async () => {
    const draws = [0.5, 0.005, 0.012, 0.0149, 0.99]
    let calls = 0
    const own = await startSimulator({
      faultRates: [
        { status: 503, rate: 0.01 },
        { status: 598, rate: 0.005, delayMs: 60 },
      ],
      random: () => draws[calls++ % draws.length]!,
    })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) {
        const started = performance.now()
        const res = await send(`${own.url}/files/${FILE}`)
        statuses.push(res.status)
        if (res.status === 598) expect(performance.now() - started).toBeGreaterThanOrEqual(55)
        if (res.status === 503) expect(res.json().code).toBe('SERVICE_MAINTENANCE')
      }
      expect(statuses).toEqual([200, 503, 598, 598, 200])
      const explicit = await send(`${own.url}/files/${FILE}`, { headers: { 'x-sim-etag': '1' } })
      expect([explicit.status, calls]).toEqual([200, 5])
    } finally {
      await own.close()
    }
  })

  it('adds fixed latency to every request', async () => {
    const own = await startSimulator({ latencyMs: 80 })
    try {
      const started = performance.now()
      await send(`${own.url}/files/x`)
      expect(performance.now() - started).toBeGreaterThanOrEqual(75)
    } finally {
      await own.close()
    }
  })

  it('samples a log-normal latency with the given p50 and p99', () => {
    let seed = 42
    const random = () => {
      // mulberry32: a seeded generator, so this check is exact from run to run.
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
    const sample = latencySampler({ p50: 20, p99: 200 }, random)
    const values = Array.from({ length: 20_000 }, sample).sort((a, b) => a - b)
    expect(values[10_000]!).toBeGreaterThan(18)
    expect(values[10_000]!).toBeLessThan(22)
    expect(values[19_800]!).toBeGreaterThan(170)
    expect(values[19_800]!).toBeLessThan(235)
    expect(values.at(-1)!).toBeLessThanOrEqual(800)
  })

  it('rejects bad options with messages naming them', async () => {
    await expect(startSimulator({ faultRates: [{ status: 503, rate: 2 }] })).rejects.toThrow(
      /faultRates\[0\]\.rate/
    )
    await expect(startSimulator({ basePath: 'v2' })).rejects.toThrow(/basePath/)
    await expect(startSimulator({ latencyMs: { p50: 50, p99: 10 } })).rejects.toThrow(/p50/)
  })
})

describe('main and environment', () => {
  it('parses SIM_FAULTS and SIM_LATENCY_MS', () => {
    expect(parseFaults('503:0.01,598:0.005@30000,400/LOCKED_FILE:0.1')).toEqual([
      { status: 503, rate: 0.01 },
      { status: 598, rate: 0.005, delayMs: 30000 },
      { status: 400, rate: 0.1, code: 'LOCKED_FILE' },
    ])
    expect(parseLatency('25')).toBe(25)
    expect(parseLatency('20:250')).toEqual({ p50: 20, p99: 250 })
    expect(() => parseFaults('503:0.7,500:0.7')).toThrow(/SIM_FAULTS/)
    expect(() => parseLatency('fast')).toThrow(/SIM_LATENCY_MS/)
    expect(simulatorOptionsFromEnv({})).toMatchObject({ port: 9001, host: '127.0.0.1' })
    expect(() => simulatorOptionsFromEnv({ SIM_PORT: 'x' })).toThrow(/SIM_PORT="x"/)
  })

  it('npm run simulator prints its URL and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['src/simulator/main.ts'], {
      cwd: new URL('..', import.meta.url),
      env: { ...process.env, SIM_PORT: '0', SIM_BASE_PATH: '/v2', SIM_FAULTS: '503:1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer]
      const url = /(http:\/\/\S+)/.exec(line.toString())![1]!
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/)
      expect((await send(`${url}/files/x`)).status).toBe(503)
      child.kill('SIGTERM')
      const [code] = await once(child, 'exit')
      expect(code).toBe(0)
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('a bad setting stops start-up with one line', async () => {
    const child = spawn(process.execPath, ['src/simulator/main.ts'], {
      cwd: new URL('..', import.meta.url),
      env: { ...process.env, SIM_LATENCY_MS: 'slow' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const [code] = await once(child, 'exit')
    expect(code).toBe(1)
    expect(stderr.trim().split('\n')).toEqual([
      'simulator: SIM_LATENCY_MS="slow": expected a number >= 0',
    ])
  })
})
