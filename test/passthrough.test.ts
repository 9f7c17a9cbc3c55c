import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { DRIVE_ERROR_CODES, DRIVE_STATUSES } from '../src/labels/drive-codes.ts'

import { startTestGateway, type TestGateway } from './helpers/gateway.ts'

import { endToEndHeaders, rawRequest, startOrigin, type Origin } from './helpers/origin.ts'
import { sampleValue } from './helpers/metrics-text.ts'

// The upstream answers whatever status, reason, code and headers the test asks for in the query,
// so each case below checks one row of the Drive API's own table end to end.
let origin: Origin
let gw: TestGateway

beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    const q = new URL(req.url!, 'http://x').searchParams
    const status = Number(q.get('status'))
    const code = q.get('code')
    const reason = q.get('reason') ?? undefined
    const body =
      status === 204
        ? ''
        : code
          ? `{"domain":"drive","code":"${code}","message":"msg for ${code}"}`
          : `{"resourceKey":"k","status":${status}}`
    res.writeHead(
      status,
      reason,
      [
        ['Content-Type', 'application/json;charset=UTF-8'],
        ['X-Custom', 'first'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
        ['X-Custom', 'second'],
        ['rateLimit-remaining', '17'],
        ['Date', 'Thu, 26 Nov 2026 00:00:00 GMT'],
        ...(status === 204 ? [] : [['Content-Length', String(Buffer.byteLength(body))]]),
      ].flat()
    )
    res.end(body)
  })
  gw = await startTestGateway({ UPSTREAM_URL: origin.url + '/v2', CACHE: 'off' })
})

afterAll(async () => {
  await gw?.close()
  await origin?.close()
})

async function check(status: number, reason: string, code: string | undefined) {
  const path = `/files/abc?status=${status}&reason=${encodeURIComponent(reason)}${code ? `&code=${code}` : ''}`
  const direct = await rawRequest(origin.url + '/v2' + path)
  const before = await gw.scrape()
  const labels = {
    http_route: '/files/{resourceKey}',
    http_response_status_code: String(status),
    drive_error_code: code ?? (status >= 400 ? 'UNKNOWN' : ''),
  }
  const res = await rawRequest(gw.url + path)
  expect(res.status).toBe(status)
  expect(res.statusMessage).toBe(reason)
  expect(res.body.equals(direct.body)).toBe(true)
  expect(endToEndHeaders(res.rawHeaders)).toEqual(endToEndHeaders(direct.rawHeaders))
  const after = await gw.scrape()
  const counted =
    sampleValue(after, 'drive_gateway_responses_total', labels) -
    sampleValue(before, 'drive_gateway_responses_total', labels)
  expect(counted).toBe(1)
}

describe('every status of the Drive API table passes through untouched and is counted once', () => {
  for (const { status, reason } of DRIVE_STATUSES) {
    it(`${status} ${reason}`, () => check(status, reason, undefined))
  }
})

describe('every Drive error code passes through untouched and is labelled with its code', () => {
  for (const { status, code } of DRIVE_ERROR_CODES) {
    const reason = DRIVE_STATUSES.find((s) => s.status === status)?.reason ?? 'Error'
    it(`${status} ${code}`, () => check(status, reason, code))
  }
})
