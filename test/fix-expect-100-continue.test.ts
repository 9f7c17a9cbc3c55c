import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './helpers/gateway.ts'
import { startOrigin, type Origin } from './helpers/origin.ts'

// Defect: curl sends `Expect: 100-continue` with uploads; the gateway forwarded it, undici
// refused the request, and the upload got 502 without reaching the upstream. The gateway now
// answers the 100 itself and forwards the request without `Expect` (RFC 9110 §10.1.1).

const run = promisify(execFile)
let origin: Origin
let gw: TestGateway
let dir: string
const received: Buffer[] = []

beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push(Buffer.concat(chunks))
      res.writeHead(201, { 'content-type': 'application/json' })
      res.end('{"ok":true}')
    })
  })
  gw = await startTestGateway({ UPSTREAM_URL: origin.url, CACHE: 'off' })
  dir = await mkdtemp(join(tmpdir(), 'dgw-expect-'))
})

afterAll(async () => {
  await gw?.close()
  await origin?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

it('a curl multipart upload of 4 MiB with Expect: 100-continue arrives intact, without Expect', async () => {
  const file = randomBytes(4 * 1024 * 1024)
  const path = join(dir, 'upload.bin')
  await writeFile(path, file)
  const { stdout, stderr } = await run('curl', [
    '-sS',
    '-v',
    '-o',
    '-',
    '-w',
    '\n%{http_code}',
    '-H',
    'Expect: 100-continue',
    '-F',
    `file=@${path};type=application/octet-stream`,
    `${gw.url}/files/parent123/upload`,
  ])
  // curl's trace shows what went over the wire: its Expect, and the gateway's interim 100.
  expect(stderr).toMatch(/^> Expect: 100-continue\r?$/m)
  expect(stderr).toMatch(/^< HTTP\/1\.1 100 Continue\r?$/m)
  expect(stdout.trimEnd().split('\n').at(-1)).toBe('201')
  expect(received).toHaveLength(1)
  const body = received[0]!
  expect(body.includes(file)).toBe(true)
  const start = body.indexOf(file)
  expect(
    createHash('sha256')
      .update(body.subarray(start, start + file.length))
      .digest('hex')
  ).toBe(createHash('sha256').update(file).digest('hex'))
  const seen = origin.seen.at(-1)!
  const names = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase())
  expect(names).not.toContain('expect')
  expect(seen.method).toBe('POST')
})
