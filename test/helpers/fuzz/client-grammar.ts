import type { Random } from './random.ts'

/** One request of a hostile client's connection, as bytes, and what the gateway may answer. */
export interface ClientItem {
  readonly bytes: Buffer
  /** The request method as the response parser needs it (HEAD responses have no body). */
  readonly method: string
  /**
   * `routed`: reaches the proxy stages and is counted in drive_gateway_responses_total;
   * `refused`: answered before routing (CONNECT, unmet Expect, malformed), never counted there.
   */
  readonly kind: 'routed' | 'refused'
  readonly label: string
}

export interface ClientScript {
  readonly items: readonly ClientItem[]
  /** How the client ends: waits for every answer or a close, or leaves at some point. */
  readonly ending: 'wait' | 'half-close' | 'leave' | 'leave-mid-write'
  /** For `leave`: how long after the last write. */
  readonly leaveAfterMs: number
  /** Writes: all items at once, or one write per item with a pause. */
  readonly pipelined: boolean
}

const PATHS = [
  '/files/fzc',
  '/files/fzc/children',
  '/files/fzc/download',
  '/users/me/drive/files',
  '/no/such/route',
  '/files/fzc?offset=0&offset=20',
]

function path(r: Random): string {
  const base = r.pick(PATHS).replace('fzc', `fzc${r.int(0, 50)}`)
  const delay = r.chance(0.2) ? `${base.includes('?') ? '&' : '?'}delay=${r.int(1, 40)}` : ''
  const big = r.chance(0.1) ? `${base.includes('?') || delay ? '&' : '?'}big=1` : ''
  return base + delay + big
}

/** A request the gateway routes: valid HTTP/1.1 with odd but legal parts. */
function routed(r: Random, { last }: { last: boolean }): ClientItem {
  const method = r.weighted([
    [50, 'GET'],
    [10, 'HEAD'],
    [15, 'POST'],
    [8, 'PUT'],
    [5, 'DELETE'],
    [4, 'OPTIONS'],
    [4, 'PATCH'],
    [4, 'M-SEARCH'],
  ] as const)
  const lines = [`${method} ${path(r)} HTTP/1.1`, 'Host: gw']
  const labels: string[] = [method]
  if (r.chance(0.5)) lines.push('Authorization: Bearer fuzz-client')
  if (r.chance(0.1)) lines.push('Proxy-Authorization: Basic c2VjcmV0', 'Proxy-Foo: bar')
  if (r.chance(0.1)) lines.push('X-Forwarded-For: 203.0.113.7')
  if (r.chance(0.05)) lines.push(`X-Long: ${'v'.repeat(r.int(1_000, 8_000))}`)
  if (r.chance(0.05)) lines.push('X-Obs: caf\xe9')
  const body =
    method === 'GET' || method === 'HEAD' ? null : r.chance(0.7) ? r.bytes(r.int(0, 3_000)) : null
  let upgrade = r.chance(0.12)
  // A request with a body that asks for an upgrade loses what is pipelined behind it in the same
  // packet (README, Connections): keep it last.
  if (upgrade && body && !last) upgrade = false
  if (upgrade) {
    lines.push(
      'Connection: Upgrade, HTTP2-Settings',
      r.pick(['Upgrade: websocket', 'Upgrade: h2c']),
      'HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA'
    )
    labels.push('upgrade')
  }
  let tail: Buffer = Buffer.alloc(0)
  if (body) {
    if (r.chance(0.2)) {
      lines.push('Expect: 100-continue')
      labels.push('expect')
    }
    if (r.chance(0.3)) {
      lines.push('Transfer-Encoding: chunked')
      tail = Buffer.concat([
        Buffer.from(`${body.length.toString(16)}\r\n`),
        body,
        Buffer.from('\r\n0\r\n\r\n'),
      ])
      if (body.length === 0) tail = Buffer.from('0\r\n\r\n')
      labels.push('chunked')
    } else {
      lines.push(`Content-Length: ${body.length}`)
      tail = body
    }
  }
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1')
  return { bytes: Buffer.concat([head, tail]), method, kind: 'routed', label: labels.join('+') }
}

/** Requests refused before routing, or that end the connection. */
function refused(r: Random): ClientItem {
  const choice = r.weighted([
    [20, 'connect'],
    [8, 'expect-teapot'],
    [8, 'bad-request-line'],
    [6, 'bad-header'],
    [6, 'cl-te'],
    [5, 'cl-conflict'],
    [5, 'bad-chunk'],
    [5, 'te-param'],
    [4, 'huge-header'],
    [4, 'no-host'],
    [6, 'garbage'],
  ] as const)
  const text = ((): string => {
    switch (choice) {
      case 'connect':
        return 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n'
      case 'expect-teapot':
        return 'GET /files/x HTTP/1.1\r\nHost: gw\r\nExpect: teapot\r\n\r\n'
      case 'bad-request-line':
        return r.pick([
          'GET /x HTTP/9.9\r\n\r\n',
          'GET  /x HTTP/1.1\r\nHost: gw\r\n\r\n',
          'G@T /x HTTP/1.1\r\nHost: gw\r\n\r\n',
          'GET /x y HTTP/1.1\r\nHost: gw\r\n\r\n',
          'GET\r\n\r\n',
        ])
      case 'bad-header':
        return r.pick([
          'GET /x HTTP/1.1\r\nHost: gw\r\nX Bad: v\r\n\r\n',
          'GET /x HTTP/1.1\r\nHost: gw\r\nX-Nul: a\x00b\r\n\r\n',
          'GET /x HTTP/1.1\r\nHost: gw\r\nX-Fold: a\r\n b\r\n\r\n',
          'GET /x HTTP/1.1\r\nHost: gw\r\nnocolon\r\n\r\n',
        ])
      case 'cl-te':
        return 'POST /files/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
      case 'cl-conflict':
        return 'POST /files/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'
      case 'bad-chunk':
        return 'POST /files/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'
      case 'te-param':
        return 'POST /files/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n'
      case 'huge-header':
        return `GET /files/x HTTP/1.1\r\nHost: gw\r\nX-Huge: ${'h'.repeat(20_000)}\r\n\r\n`
      case 'no-host':
        return 'GET /files/x HTTP/1.1\r\n\r\n'
      case 'garbage':
        return r.bytes(r.int(1, 200)).toString('latin1') + '\r\n\r\n'
    }
  })()
  return {
    bytes: Buffer.from(text, 'latin1'),
    method: choice === 'connect' ? 'CONNECT' : 'GET',
    kind: 'refused',
    label: choice,
  }
}

/**
 * One hostile client connection. `wellFormed`: only routed requests, a CONNECT at most as the
 * last, and the client waits for every answer, so the counts must match exactly.
 */
export function clientScript(r: Random, { wellFormed }: { wellFormed: boolean }): ClientScript {
  const n = r.int(1, 6)
  const items: ClientItem[] = []
  for (let i = 0; i < n; i++) {
    const last = i === n - 1
    if (wellFormed) items.push(last && r.chance(0.15) ? connectItem() : routed(r, { last }))
    else items.push(r.chance(0.3) ? refused(r) : routed(r, { last }))
  }
  const ending = wellFormed
    ? 'wait'
    : r.weighted([
        [50, 'wait'],
        [10, 'half-close'],
        [25, 'leave'],
        [15, 'leave-mid-write'],
      ] as const)
  return { items, ending, leaveAfterMs: r.int(0, 40), pipelined: r.chance(0.6) }
}

function connectItem(): ClientItem {
  return {
    bytes: Buffer.from('CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n'),
    method: 'CONNECT',
    kind: 'refused',
    label: 'connect',
  }
}
