import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { pipelinedGets } from './helpers/fuzz/raw-http.ts'
import { startOrigin, type Origin } from './helpers/origin.ts'

// Defect (issue 8.8): Java servlet containers drop a `;…` path parameter before resolving dot
// segments, so `..;` and `..;jsessionid=1` are parent references to them. The gateway forwarded
// such paths. A segment that is `.` or `..` once its `;…` suffix is removed (and `%2e`, `%3b`
// decoded, once or twice) is now 400 INVALID_PATH.

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
  '/files/..;/admin',
  '/files/..;jsessionid=1/admin',
  '/files/%2e%2e;/admin',
  '/files/%2e%2e%3b/admin',
  '/files/%2e%2e%3bjsessionid=1/admin',
  '/files/%252e%252e%253b/admin',
  '/files/.;x/admin',
]

it('parent references with a ;suffix are 400 INVALID_PATH, never proxied', async () => {
  const responses = await pipelinedGets(Number(new URL(gw.url).port), TARGETS)
  expect(responses.map((r) => r.status)).toEqual(TARGETS.map(() => 400))
  for (const r of responses) expect(JSON.parse(r.body.toString()).code).toBe('INVALID_PATH')
  expect(origin.seen).toEqual([])
})

it('a ;parameter on an ordinary segment is proxied as sent', async () => {
  const [response] = await pipelinedGets(Number(new URL(gw.url).port), ['/files/abc;v=1'])
  expect(response!.body.toString()).toBe('reached')
  expect(origin.seen.at(-1)!.url).toBe('/base/files/abc;v=1')
})
