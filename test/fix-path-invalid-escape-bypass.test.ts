import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { pipelinedGets } from './helpers/fuzz/raw-http.ts'
import { startOrigin, type Origin } from './helpers/origin.ts'

// Defect (issue 14, high): the `..` check decoded the whole path and, when decoding threw on any
// invalid escape, judged the raw text, where `%2e%2e` is not `..`. So `/files/%2e%2e/%2e%2e/%zz`
// was forwarded, and an upstream that decodes `%2e` (RFC 3986) resolved it outside its base
// path. Each segment is now judged on its own, and a malformed escape anywhere is refused.

let origin: Origin
let gw: TestGateway

beforeAll(async () => {
  origin = await startOrigin((_req, res) => res.end('reached'))
  gw = await startTestGateway({ UPSTREAM_URL: `${origin.url}/base`, CACHE: 'off' })
})

afterAll(async () => {
  await gw?.close()
  await origin?.close()
})

const TARGETS = [
  '/files/%2e%2e/%2e%2e/%zz',
  '/%zz/%2e%2e/%2e%2e/secret',
  '/files/abc%',
  '/files/%e0%a4%a',
  '/files/..%2f..%2f%ff%fe',
  '/files/%252e%252e/%252e%252e/%25zz',
  '/files/%252e%252e%252f%252e%252e%252fsecret',
  '/files/x#/../../secret',
]

it('a path with a malformed escape or a dot segment behind one is 400 INVALID_PATH, never proxied', async () => {
  const responses = await pipelinedGets(Number(new URL(gw.url).port), TARGETS)
  expect(responses.map((r) => r.status)).toEqual(TARGETS.map(() => 400))
  for (const r of responses) expect(JSON.parse(r.body.toString()).code).toBe('INVALID_PATH')
  expect(origin.seen).toEqual([])
})

it('a path with invalid UTF-8 but well-formed escapes and no dot segment is proxied', async () => {
  const [response] = await pipelinedGets(Number(new URL(gw.url).port), ['/files/%ff%fe.txt'])
  expect(response!.body.toString()).toBe('reached')
  expect(origin.seen.at(-1)!.url).toBe('/base/files/%ff%fe.txt')
})
