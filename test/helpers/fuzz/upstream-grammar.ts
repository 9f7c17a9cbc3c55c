import { STATUS_CODES } from 'node:http'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import type { Random } from './random.ts'
import { HOP_BY_HOP_HEADERS } from '../../../src/http/headers.ts'

/**
 * What the client must see for one hostile upstream response:
 * - `pass`: the status code, reason phrase and end-to-end header fields byte for byte; then the
 *   whole body, or, when the upstream broke it (`cut`), a prefix of it that does not complete.
 * - `bad`: a gateway `502 UPSTREAM_BAD_RESPONSE`.
 * - `pass-or-bad`: a response HTTP lets a proxy either pass on or refuse (obs-fold, a repeated
 *   equal Content-Length, an over-long head).
 * - `failed`: any gateway `UPSTREAM_*` error: the upstream gave no response head that parses.
 */
export interface Expectation {
  readonly kind: 'pass' | 'pass-or-bad' | 'bad' | 'failed'
  readonly head: ExpectedHead
  readonly body: Buffer
  readonly cut: boolean
  /** The upstream resets the connection: a gateway `UPSTREAM_*` error is acceptable too. */
  readonly mayVanish: boolean
}

export interface ExpectedHead {
  readonly status: number
  /** latin1, as sent ('' when empty or absent). */
  readonly reason: string
  /** End-to-end fields as the client must see them: [name, value] latin1, OWS trimmed. */
  readonly fields: readonly (readonly [string, string])[]
}

export interface UpstreamScript {
  /** Bytes written one write at a time, `gapMs` apart. */
  readonly chunks: readonly Buffer[]
  readonly gapMs: number
  /** After the last chunk: close, reset, keep the connection for the next request, or go silent. */
  readonly then: 'end' | 'reset' | 'keep' | 'hang'
  readonly expect: Expectation
  /** A short description for failure messages. */
  readonly label: string
}

const COMMON = [200, 201, 202, 203, 206, 301, 302, 400, 401, 403, 404, 409, 429, 500, 502, 503, 598]
const TOKEN = [..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"]
const VCHAR = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => 0x21 + i)
const OBS_TEXT = Array.from({ length: 0x80 }, (_, i) => 0x80 + i)
// CTLs HTTP forbids in a reason phrase or field value (HTAB is allowed; CR and LF end lines).
const FORBIDDEN = [
  ...Array.from({ length: 9 }, (_, i) => i),
  0x0b,
  0x0c,
  ...Array.from({ length: 0x1f - 0x0e + 1 }, (_, i) => 0x0e + i),
  0x7f,
]

const latin1 = (bytes: Buffer) => bytes.toString('latin1')
const trimOws = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '')

function token(r: Random, min = 1, max = 12): string {
  return Array.from({ length: r.int(min, max) }, () => r.pick(TOKEN)).join('')
}

/** A field value: VCHAR, SP, HTAB inside, sometimes obs-text. */
function fieldValue(r: Random, max = 40): string {
  const alphabet = r.chance(0.3) ? [...VCHAR, ...OBS_TEXT, 0x20, 0x09] : [...VCHAR, 0x20]
  const middle = latin1(r.bytes(r.int(0, max), alphabet))
  return middle.length === 0 ? middle : trimOws(middle)
}

type Framing =
  | 'length'
  | 'length-short'
  | 'length-long'
  | 'length-twice-equal'
  | 'length-conflict'
  | 'length-and-chunked'
  | 'chunked'
  | 'chunked-extensions'
  | 'chunked-param'
  | 'gzip-chunked'
  | 'chunked-truncated'
  | 'chunked-bad-size'
  | 'close-delimited'
  | 'reset-mid-body'

function chunked(body: Buffer, r: Random, extensions: boolean): Buffer {
  const parts: Buffer[] = []
  let at = 0
  while (at < body.length) {
    const size = Math.min(body.length - at, r.int(1, 4096))
    const ext = extensions ? `;ext${r.int(0, 9)}=${token(r, 1, 4)}` : ''
    parts.push(
      Buffer.from(`${size.toString(16)}${ext}\r\n`, 'latin1'),
      body.subarray(at, at + size),
      Buffer.from('\r\n')
    )
    at += size
  }
  parts.push(Buffer.from('0\r\n\r\n'))
  return Buffer.concat(parts)
}

function bodyFor(r: Random, status: number, fields: [string, string][]): Buffer {
  // Error bodies in the Drive shapes, so the error-code reader runs on hostile input too.
  const size = r.weighted([
    [60, () => r.int(0, 2_000)],
    [8, () => r.int(64 * 1024 + 1, 200_000)],
    [2, () => 0],
  ] as const)()
  let body: Buffer =
    status >= 400 && r.chance(0.6)
      ? Buffer.from(
          r.pick([
            `{"code":"${token(r)}","description":"x"}`,
            `{"domain":"drive","code":"${token(r)}","message":"m"}`,
            `{"errorCode":${r.int(0, 99999)},"errorMessage":"m"}`,
            `{"code":`,
            'not json',
          ])
        )
      : r.bytes(size)
  const encoding = r.weighted([
    [80, undefined],
    [6, 'gzip'],
    [4, 'br'],
    [4, 'gzip-bad'],
    [3, 'br-bad'],
    [3, 'deflate-bad'],
  ] as const)
  if (encoding === 'gzip') body = gzipSync(body)
  if (encoding === 'br') body = brotliCompressSync(body)
  if (encoding === 'gzip-bad') body = gzipSync(body).subarray(0, r.int(0, 20))
  if (encoding) fields.push(['Content-Encoding', encoding.replace('-bad', '')])
  return body
}

/** One hostile response and what the client must see for it. */
export function upstreamScript(r: Random): UpstreamScript {
  const labels: string[] = []
  let verdict: 'exact' | 'exact-or-bad' | 'bad' | 'failed' = 'exact'
  const worse = (kind: 'exact-or-bad' | 'bad' | 'failed', why: string) => {
    labels.push(why)
    const rank = { exact: 0, 'exact-or-bad': 1, bad: 2, failed: 3 }
    if (rank[kind] > rank[verdict]) verdict = kind
  }

  // Status line.
  const status = r.weighted([
    [70, () => r.pick(COMMON)],
    [15, () => r.int(200, 599)],
    [5, () => r.int(600, 999)],
    [3, () => 101],
    [2, () => r.int(0, 99)],
  ] as const)()
  if (status === 101) worse('bad', 'unsolicited 101')
  else if (status >= 600) worse('bad', `status ${status}`)
  else if (status < 100) worse('failed', `status ${status}`)
  let reason = r.weighted([
    [60, () => STATUS_CODES[status] ?? 'Whatever'],
    [10, () => ''],
    [10, () => latin1(r.bytes(r.int(1, 30), [...VCHAR, ...OBS_TEXT, 0x20, 0x09]))],
    [5, () => latin1(r.bytes(r.int(200, 2_000), [...VCHAR, 0x20]))],
    [5, () => `Bad${String.fromCharCode(r.pick(FORBIDDEN))}Reason`],
    [3, () => 'Lone\rCR'],
  ] as const)()
  if (reason.length > 0 && /^[ \t]|[ \t]$/.test(reason)) reason = `x${reason}x`
  // Control characters are what this pattern is about (RFC 9112 §4 reason-phrase).
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(reason))
    worse(reason.includes('\r') ? 'failed' : 'bad', 'forbidden reason bytes')
  const noSpace = reason === '' && r.chance(0.3)
  const version = r.chance(0.9) ? 'HTTP/1.1' : 'HTTP/1.0'
  const code = String(status).padStart(3, '0')
  const statusLine = noSpace ? `${version} ${code}` : `${version} ${code} ${reason}`
  if (noSpace) worse('exact-or-bad', 'no SP after status')

  // Header fields.
  const fields: [string, string][] = []
  const hop: [string, string][] = []
  const count = r.weighted([
    [75, () => r.int(0, 6)],
    [20, () => r.int(7, 40)],
    [5, () => r.int(100, 300)],
  ] as const)()
  for (let i = 0; i < count; i++) fields.push([`X-Fz-${i}-${token(r, 1, 6)}`, fieldValue(r)])
  if (r.chance(0.2)) fields.push(['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'])
  if (r.chance(0.2)) fields.push(['Date', 'Sat, 28 Nov 2026 09:00:00 GMT'])
  if (r.chance(0.15)) hop.push(['Connection', 'X-Drop-Me'], ['X-Drop-Me', 'secret'])
  if (r.chance(0.1)) hop.push(['Keep-Alive', 'timeout=5'])
  if (r.chance(0.05)) hop.push(['Proxy-Authenticate', 'Basic'])
  if (r.chance(0.05)) hop.push(['Upgrade', 'h2c'])
  const special: string[] = []
  const oddity = r.weighted([
    [80, undefined],
    [4, 'obs-fold'],
    [3, 'huge'],
    [3, 'nul'],
    [3, 'lone-lf'],
    [3, 'bad-name'],
    [2, 'ctl'],
    [2, 'empty-value'],
  ] as const)
  if (oddity === 'obs-fold') {
    special.push('X-Fold: first\r\n  second')
    worse('exact-or-bad', 'obs-fold')
  } else if (oddity === 'huge') {
    fields.push(['X-Huge', latin1(r.bytes(r.int(20_000, 70_000), VCHAR))])
    worse('exact-or-bad', 'huge field')
  } else if (oddity === 'nul') {
    special.push('X-Nul: a\x00b')
    worse('failed', 'NUL in a value')
  } else if (oddity === 'lone-lf') {
    special.push('X-Lf: a\nb')
    worse('failed', 'lone LF in a value')
  } else if (oddity === 'bad-name') {
    special.push(r.pick(['X Bad: v', 'X(Bad): v', 'X-Bad : v', 'X-\xe9: v', ': v']))
    worse('failed', 'bad field name')
  } else if (oddity === 'ctl') {
    special.push(`X-Ctl: a${String.fromCharCode(r.pick(FORBIDDEN.filter((c) => c !== 0)))}b`)
    worse('failed', 'CTL in a value')
  } else if (oddity === 'empty-value') {
    fields.push(['X-Empty', ''])
  }
  // Interleave hop-by-hop fields among the others.
  const all: [string, string][] = [...fields]
  for (const f of hop) all.splice(r.int(0, all.length), 0, f)

  // Framing and body.
  const noBody = status === 204 || status === 304 || (status >= 100 && status < 200)
  let body = noBody ? Buffer.alloc(0) : bodyFor(r, status, all)
  const framing: Framing = noBody
    ? 'length'
    : r.weighted([
        [30, 'length'],
        [5, 'length-short'],
        [4, 'length-long'],
        [3, 'length-twice-equal'],
        [3, 'length-conflict'],
        [3, 'length-and-chunked'],
        [20, 'chunked'],
        [5, 'chunked-extensions'],
        [3, 'chunked-param'],
        [3, 'gzip-chunked'],
        [4, 'chunked-truncated'],
        [3, 'chunked-bad-size'],
        [6, 'close-delimited'],
        [4, 'reset-mid-body'],
      ] as const)
  labels.push(framing)
  let wire: Buffer = body
  let then: UpstreamScript['then'] = r.chance(0.5) ? 'keep' : 'end'
  let cut = false
  const frame: string[] = []
  switch (framing) {
    case 'length':
      if (!noBody || r.chance(0.5)) frame.push(`Content-Length: ${body.length}`)
      break
    case 'length-short': {
      frame.push(`Content-Length: ${body.length + r.int(1, 5_000)}`)
      then = r.chance(0.5) ? 'end' : 'reset'
      cut = true
      break
    }
    case 'length-long': {
      const extra = r.bytes(r.int(1, 100))
      frame.push(`Content-Length: ${body.length}`)
      wire = Buffer.concat([body, extra])
      then = 'end'
      break
    }
    case 'length-twice-equal':
      frame.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length}`)
      worse('exact-or-bad', 'equal lengths twice')
      break
    case 'length-conflict':
      frame.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`)
      worse('bad', 'conflicting lengths')
      then = 'end'
      break
    case 'length-and-chunked':
      frame.push(`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked')
      wire = chunked(body, r, false)
      worse('bad', 'CL and TE')
      then = 'end'
      break
    case 'chunked':
    case 'chunked-extensions':
      frame.push('Transfer-Encoding: chunked')
      wire = chunked(body, r, framing === 'chunked-extensions')
      break
    case 'chunked-param':
      frame.push('Transfer-Encoding: chunked;q=1')
      wire = chunked(body, r, false)
      worse('bad', 'chunked;q=1')
      then = 'end'
      break
    case 'gzip-chunked':
      frame.push('Transfer-Encoding: gzip, chunked')
      wire = chunked(gzipSync(body), r, false)
      worse('bad', 'gzip transfer coding')
      then = 'end'
      break
    case 'chunked-truncated': {
      frame.push('Transfer-Encoding: chunked')
      const full = chunked(body, r, false)
      wire = full.subarray(0, r.int(0, full.length - 1))
      then = r.chance(0.5) ? 'end' : 'reset'
      cut = true
      break
    }
    case 'chunked-bad-size':
      frame.push('Transfer-Encoding: chunked')
      wire = Buffer.from('zz\r\nhello\r\n0\r\n\r\n')
      body = Buffer.alloc(0)
      then = 'end'
      cut = true
      break
    case 'close-delimited':
      then = 'end'
      break
    case 'reset-mid-body':
      frame.push(`Content-Length: ${body.length + 1}`)
      wire = body.subarray(0, r.int(0, body.length))
      then = 'reset'
      cut = true
      break
  }
  for (const f of frame) all.splice(r.int(0, all.length), 0, f.split(': ') as [string, string])
  // HTTP/1.0 without a length is close-delimited and cannot keep the connection.
  if (version === 'HTTP/1.0' || verdict !== 'exact') then = then === 'keep' ? 'end' : then

  // An upstream that closes after a response says so; otherwise the gateway's pool may send the
  // next request on the connection just as it closes, a keep-alive race no proxy can win.
  if (then !== 'keep') all.splice(r.int(0, all.length), 0, ['Connection', 'close'])
  const lines = [statusLine, ...all.map(([n, v]) => `${n}: ${v}`), ...special]
  const interim = r.weighted([
    [88, ''],
    [6, 'HTTP/1.1 100 Continue\r\n\r\n'],
    [4, 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n'],
    [2, 'HTTP/1.1 102 Processing\r\n\r\n'],
  ] as const)
  if (interim) labels.push('interim')
  const head = Buffer.from(`${interim}${lines.join('\r\n')}\r\n\r\n`, 'latin1')
  const bytes = Buffer.concat([head, wire])

  // How the bytes go out: whole, split through the status line, or dripped.
  const delivery = r.weighted([
    [70, 'whole'],
    [15, 'split-status'],
    [10, 'drip'],
    [2, 'hang'],
  ] as const)
  labels.push(delivery)
  let chunks: Buffer[]
  let gapMs = 0
  if (delivery === 'split-status') {
    // At most 40 one-byte writes, so the head still arrives well within the gateway's timeout.
    const cutAt = r.int(1, Math.min(40, head.length - 1, interim.length + statusLine.length + 2))
    chunks = [
      ...Array.from(bytes.subarray(0, cutAt), (b) => Buffer.from([b])),
      bytes.subarray(cutAt),
    ]
    gapMs = 1
  } else if (delivery === 'drip') {
    chunks = []
    for (let at = 0; at < bytes.length;) {
      const size = r.int(1, 2_000)
      chunks.push(bytes.subarray(at, at + size))
      at += size
    }
    if (chunks.length > 40) chunks = [...chunks.slice(0, 39), Buffer.concat(chunks.slice(39))]
    gapMs = r.int(1, 5)
  } else if (delivery === 'hang') {
    // The head stops part-way and the upstream goes silent: UPSTREAM_TIMEOUT.
    chunks = [bytes.subarray(0, r.int(0, head.length - 1))]
    then = 'hang'
    verdict = 'failed'
  } else {
    chunks = [bytes]
  }
  if (delivery !== 'hang' && r.chance(0.03)) {
    // Reset or close before the head is complete.
    chunks = [bytes.subarray(0, r.int(0, head.length - 1))]
    then = r.chance(0.5) ? 'reset' : 'end'
    verdict = 'failed'
    labels.push('no head')
  }

  const expected: ExpectedHead = {
    status,
    reason: noSpace ? '' : reason,
    fields: all
      .filter(([n]) => !HOP_BY_HOP_HEADERS.has(n.toLowerCase()) && n.toLowerCase() !== 'x-drop-me')
      .map(([n, v]) => [n, trimOws(v)] as const),
  }
  const kind = {
    exact: 'pass',
    'exact-or-bad': 'pass-or-bad',
    bad: 'bad',
    failed: 'failed',
  } as const
  // A TCP reset may reach the gateway before the bytes written just ahead of it, which the
  // kernel then discards: the gateway may see no response at all.
  const expect: Expectation = {
    kind: kind[verdict],
    head: expected,
    body,
    cut,
    mayVanish: then === 'reset',
  }
  return { chunks, gapMs, then, expect, label: labels.join(', ') }
}
