import { gzipSync } from 'node:zlib'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startTestGateway, type TestGateway } from './helpers/gateway.ts'

import { rawRequest, startOrigin, type Origin } from './helpers/origin.ts'
import { sampleValue, seriesCount } from './helpers/metrics-text.ts'

const HUGE = 10 * 1024 * 1024
let counter = 0

// Each path names a body the upstream sends with a 400; the test checks the client gets those
// exact bytes and the label the gateway chose.
const bodies: Record<string, () => { body: Buffer; headers?: string[]; chunked?: boolean }> = {
  'not-json': () => ({
    body: Buffer.from('<html>Bad Gateway</html>'),
    headers: ['content-type', 'text/html'],
  }),
  truncated: () => ({ body: Buffer.from('{"domain":"drive","code":"INVALID_PAR') }),
  gzip: () => ({
    body: gzipSync('{"domain":"drive","code":"LOCKED_FILE","message":"Locked File"}'),
    headers: ['content-encoding', 'gzip'],
  }),
  'gzip-chunked': () => ({
    body: gzipSync('{"code":"UNAUTHORIZED","description":"Authentication failed."}'),
    headers: ['content-encoding', 'gzip'],
    chunked: true,
  }),
  huge: () => ({
    body: Buffer.concat([
      Buffer.from('{"message":"'),
      Buffer.alloc(HUGE, 'x'),
      Buffer.from('","code":"INVALID_PARAMETER"}'),
    ]),
    chunked: true,
  }),
  'bad-pattern': () => ({ body: Buffer.from('{"code":"has space!"}') }),
  'too-long': () => ({ body: Buffer.from(JSON.stringify({ code: 'X'.repeat(65) })) }),
  numeric: () => ({
    body: Buffer.from('{"errorCode":28,"errorMessage":"Authentication header not exists"}'),
  }),
  both: () => ({ body: Buffer.from('{"code":"READ_ONLY","errorCode":"029"}') }),
  random: () => ({ body: Buffer.from(JSON.stringify({ code: `RANDOM_${counter++}` })) }),
  'gateway-code': () => ({ body: Buffer.from('{"domain":"drive","code":"UPSTREAM_TIMEOUT"}') }),
  empty: () => ({ body: Buffer.alloc(0) }),
}

let origin: Origin
let gw: TestGateway
const CAP = 5

beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    const kind = req.url!.split('/')[2]!
    const { body, headers = [], chunked } = bodies[kind]!()
    res.writeHead(400, [
      'content-type',
      'application/json',
      ...headers,
      ...(chunked ? [] : ['content-length', String(body.length)]),
    ])
    if (chunked) {
      // Several writes so the gateway sees a stream, not one buffer.
      for (let i = 0; i < body.length; i += 256 * 1024) res.write(body.subarray(i, i + 256 * 1024))
      res.end()
    } else res.end(body)
  })
  gw = await startTestGateway({
    UPSTREAM_URL: origin.url,
    CACHE: 'off',
    ERROR_CODE_LABEL_CAP: String(CAP),
  })
})

afterAll(async () => {
  await gw?.close()
  await origin?.close()
})

async function labelFor(kind: string): Promise<string> {
  const expected = bodies[kind]!().body
  if (kind === 'random') counter-- // the probe above consumed one code
  const before = await gw.scrape()
  const res = await rawRequest(`${gw.url}/files/${kind}/children`)
  expect(res.status).toBe(400)
  if (kind !== 'random') expect(res.body.equals(expected)).toBe(true)
  const after = await gw.scrape()
  const codes = new Set<string>()
  for (const line of after.split('\n')) {
    const m = /^drive_gateway_responses_total\{.*drive_error_code="([^"]*)".*\} (\d+)/.exec(line)
    if (m && line.includes('/files/{resourceKey}/children')) {
      const code = m[1]!
      const delta =
        Number(m[2]) -
        sampleValue(before, 'drive_gateway_responses_total', {
          http_route: '/files/{resourceKey}/children',
          drive_error_code: code,
        })
      if (delta === 1) codes.add(code)
    }
  }
  expect(codes.size).toBe(1)
  return [...codes][0]!
}

describe('error bodies pass through unchanged and are labelled safely', () => {
  it('a body that is not JSON is UNKNOWN', async () =>
    expect(await labelFor('not-json')).toBe('UNKNOWN'))
  it('a truncated JSON body is UNKNOWN', async () =>
    expect(await labelFor('truncated')).toBe('UNKNOWN'))
  it('a gzip body is decoded on the copy', async () =>
    expect(await labelFor('gzip')).toBe('LOCKED_FILE'))
  it('a streamed gzip body is decoded on the copy', async () =>
    expect(await labelFor('gzip-chunked')).toBe('UNAUTHORIZED'))
  it('a 10 MiB body passes whole and is UNKNOWN (over the 64 KiB copy)', async () => {
    const res = await rawRequest(`${gw.url}/files/huge/children`)
    expect(res.body.length).toBe(bodies.huge!().body.length)
    expect(await labelFor('huge')).toBe('UNKNOWN')
  })
  it('a code outside [A-Za-z0-9_.-] is UNKNOWN', async () =>
    expect(await labelFor('bad-pattern')).toBe('UNKNOWN'))
  it('a code over 64 characters is UNKNOWN', async () =>
    expect(await labelFor('too-long')).toBe('UNKNOWN'))
  it('a numeric errorCode is kept as text', async () =>
    expect(await labelFor('numeric')).toBe('28'))
  it('code wins over errorCode', async () => expect(await labelFor('both')).toBe('READ_ONLY'))
  it('an empty body is UNKNOWN', async () => expect(await labelFor('empty')).toBe('UNKNOWN'))
  it('a gateway catalog code sent by the upstream is OTHER', async () =>
    expect(await labelFor('gateway-code')).toBe('OTHER'))

  it('a hostile upstream with a new code each time cannot grow the series past the cap', async () => {
    const labels: string[] = []
    for (let i = 0; i < CAP + 10; i++) labels.push(await labelFor('random'))
    // Earlier tests may have used some of the cap ('28' above); once OTHER starts, it stays.
    const firstOther = labels.indexOf('OTHER')
    expect(firstOther).toBeGreaterThan(0)
    expect(firstOther).toBeLessThanOrEqual(CAP)
    expect(labels.slice(0, firstOther).every((l) => l.startsWith('RANDOM_'))).toBe(true)
    expect(labels.slice(firstOther).every((l) => l === 'OTHER')).toBe(true)
    // Known Drive codes are still labelled after the cap is reached.
    expect(await labelFor('gzip')).toBe('LOCKED_FILE')
    const exposition = await gw.scrape()
    const randomSeries = exposition.split('\n').filter((l) => /drive_error_code="RANDOM_/.test(l))
    expect(randomSeries.length).toBeLessThanOrEqual(CAP)
    expect(seriesCount(exposition, 'drive_gateway_responses_total')).toBeLessThan(40)
  })
})
