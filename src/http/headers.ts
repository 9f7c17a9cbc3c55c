// Hop-by-hop headers: RFC 9110 §7.6.1 (Connection and the fields it names), plus the fields
// that only ever describe one connection (RFC 9112 §6.1 Transfer-Encoding, RFC 9110 §7.8
// Upgrade, RFC 9110 §10.1.4 TE, RFC 9110 §6.6.2 Trailer, proxy-authentication of RFC 9110 §11.7).
// `Host` is replaced with the upstream's own (RFC 9110 §7.2).
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
])

const NO_TOKENS: ReadonlySet<string> = new Set()

/** The lengths of the hop-by-hop names: a name of any other length cannot be one. */
const HOP_BY_HOP_LENGTHS: ReadonlySet<number> = new Set(
  [...HOP_BY_HOP_HEADERS].map((n) => n.length)
)

/**
 * The lengths of the request fields `upstreamRequestHeaders` treats apart (hop-by-hop, `Expect`,
 * `Host`, the forwarding fields, `X-Request-Id`); `Proxy-*` fields are told by their first letter.
 */
const SPECIAL_REQUEST_LENGTHS: ReadonlySet<number> = new Set([
  ...HOP_BY_HOP_LENGTHS,
  ...[
    'expect',
    'host',
    'x-forwarded-for',
    'x-forwarded-proto',
    'x-forwarded-host',
    'x-request-id',
  ].map((n) => n.length),
])

/**
 * A small table that remembers what a pure function of a string gave: header names and
 * `Connection` values repeat from one message to the next (a client sends the same few), so the
 * per-header work is one lookup instead of a new lower-case string. The sender chooses these
 * strings, so the table is bounded, in entries and in key length (at most 256 × 64 characters);
 * past that, the function is simply called each time.
 */
function remembered<T>(compute: (key: string) => T, bound = 256): (key: string) => T {
  const table = new Map<string, T>()
  return (key) => {
    let value = table.get(key)
    if (value === undefined) {
      value = compute(key)
      if (key.length <= 64 && table.size < bound) table.set(key, value)
    }
    return value
  }
}

/** A field name in lower case (field names are case-insensitive, RFC 9110 §5.1). */
export const lowerName: (name: string) => string = remembered((name) => name.toLowerCase())

/**
 * The field names one `Connection` value lists, lower-cased, leaving out the hop-by-hop ones that
 * are dropped anyway: `keep-alive`, the value most responses carry, names nothing more.
 */
const namedByConnection = remembered((value): ReadonlySet<string> => {
  let tokens: Set<string> | undefined
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase()
    if (name && !HOP_BY_HOP_HEADERS.has(name)) (tokens ??= new Set()).add(name)
  }
  return tokens ?? NO_TOKENS
})

/**
 * Request fields that end at the gateway besides the hop-by-hop ones: every `Proxy-*` field
 * (none is meant for the Drive API; RFC 9110 §11.7 names two, clients send others), and
 * `Expect`, which the gateway's own listener answers with `100 Continue` (RFC 9110 §10.1.1).
 */
function endsAtGateway(lower: string): boolean {
  return lower.startsWith('proxy-') || lower === 'expect'
}

/**
 * Field names listed in `Connection` headers, lower-cased (RFC 9110 §7.6.1), but for the
 * hop-by-hop ones.
 */
function connectionTokens(rawHeaders: readonly string[]): ReadonlySet<string> {
  let tokens: ReadonlySet<string> = NO_TOKENS
  for (let i = 0; i < rawHeaders.length; i += 2) {
    // Length first: this runs on every header of every request and response.
    const field = rawHeaders[i]!
    if (field.length !== 10 || lowerName(field) !== 'connection') continue
    const named = namedByConnection(rawHeaders[i + 1]!)
    if (named === NO_TOKENS) continue
    tokens = tokens === NO_TOKENS ? named : new Set([...tokens, ...named])
  }
  return tokens
}

/**
 * Removes hop-by-hop fields, and those named in `Connection`, keeping every other field in its
 * order and with its repeats. Pure: returns a new flat `[name, value, …]` array.
 */
export function stripHopByHop(
  rawHeaders: readonly string[],
  alsoDrop?: ReadonlySet<string>
): string[] {
  const named = connectionTokens(rawHeaders)
  // Without Connection-named fields or extra names, only names of a hop-by-hop length need a look.
  const byLength = named === NO_TOKENS && alsoDrop === undefined
  const kept: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    if (byLength && !HOP_BY_HOP_LENGTHS.has(name.length)) {
      kept.push(name, rawHeaders[i + 1]!)
      continue
    }
    const lower = lowerName(name)
    if (HOP_BY_HOP_HEADERS.has(lower) || named.has(lower) || alsoDrop?.has(lower)) continue
    kept.push(name, rawHeaders[i + 1]!)
  }
  return kept
}

export interface ForwardingContext {
  /** The client's address as the socket saw it. */
  readonly clientAddress: string | undefined
  /** `http` or `https`: what the client used to reach the gateway. */
  readonly protocol: string
  readonly requestId: string
}

/** This gateway's entry in `Via` (RFC 9110 §7.6.3): protocol version and a pseudonym. */
export const VIA = '1.1 drive-gateway'

// The client's Host and the forwarding fields are rebuilt below; Connection tokens are stripped
// first so a client cannot name our own X-Forwarded-* or X-Request-Id for removal.
const REBUILT_REQUEST_HEADERS: ReadonlySet<string> = new Set(['host', 'x-request-id'])

/**
 * The header list sent upstream: the client's end-to-end fields in order, then `X-Forwarded-For`
 * (appended to any the client sent), `-Proto`, `-Host`, `X-Request-Id` and `Via`. Undici sets `Host`
 * from the upstream origin. Forwarded values are passed on, never trusted for a decision.
 */
export function upstreamRequestHeaders(
  rawHeaders: readonly string[],
  ctx: ForwardingContext
): string[] {
  const named = connectionTokens(rawHeaders)
  const out: string[] = []
  const forwardedFor: string[] = []
  let host: string | undefined
  let proto: string | undefined
  let forwardedHost: string | undefined
  const byLength = named === NO_TOKENS
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    const value = rawHeaders[i + 1]!
    // Most fields (Authorization, Accept, consumerKey…) are passed on as they are: only names of
    // a special length, or starting like `Proxy-`, need a look.
    if (
      byLength &&
      !SPECIAL_REQUEST_LENGTHS.has(name.length) &&
      name[0] !== 'p' &&
      name[0] !== 'P'
    ) {
      out.push(name, value)
      continue
    }
    const lower = lowerName(name)
    if (HOP_BY_HOP_HEADERS.has(lower) || named.has(lower) || endsAtGateway(lower)) continue
    if (lower === 'host') host = value
    else if (lower === 'x-forwarded-for') forwardedFor.push(value)
    else if (lower === 'x-forwarded-proto') proto ??= value
    else if (lower === 'x-forwarded-host') forwardedHost ??= value
    else if (!REBUILT_REQUEST_HEADERS.has(lower)) out.push(name, value)
  }
  if (ctx.clientAddress) forwardedFor.push(ctx.clientAddress)
  if (forwardedFor.length > 0) out.push('x-forwarded-for', forwardedFor.join(', '))
  out.push('x-forwarded-proto', proto ?? ctx.protocol)
  const hostValue = forwardedHost ?? host
  if (hostValue) out.push('x-forwarded-host', hostValue)
  out.push('x-request-id', ctx.requestId)
  // RFC 9110 §7.6.3: a gateway sends Via on every request it forwards, after any the client sent.
  out.push('via', VIA)
  return out
}

// Helpers over flat `[name, value, name, value, …]` header lists (Node's `rawHeaders`). Names
// are compared case-insensitively; the `name` arguments below are lower case.

/** The first value of a field, or undefined when absent. */
export function findHeader(rawHeaders: readonly string[], name: string): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (lowerName(rawHeaders[i]!) === name) return rawHeaders[i + 1]
  }
  return undefined
}

/** Every value of a field, in order (field names compared case-insensitively). */
export function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (lowerName(rawHeaders[i]!) === name) values.push(rawHeaders[i + 1]!)
  }
  return values
}

/**
 * A field's combined value, as RFC 9110 §5.3 allows for list-based fields (`a, b`), or undefined
 * when absent.
 */
export function headerValue(rawHeaders: readonly string[], name: string): string | undefined {
  const values = headerValues(rawHeaders, name)
  return values.length === 0 ? undefined : values.join(', ')
}

/** A copy without the named fields (lower-case names); order and repeats of the rest kept. */
export function withoutHeaders(
  rawHeaders: readonly string[],
  names: ReadonlySet<string>
): string[] {
  const kept: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!names.has(lowerName(rawHeaders[i]!))) kept.push(rawHeaders[i]!, rawHeaders[i + 1]!)
  }
  return kept
}

/** A copy with only the named fields (lower-case names), in their order. */
export function onlyHeaders(rawHeaders: readonly string[], names: ReadonlySet<string>): string[] {
  const kept: string[] = []
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (names.has(lowerName(rawHeaders[i]!))) kept.push(rawHeaders[i]!, rawHeaders[i + 1]!)
  }
  return kept
}

/** Comma-separated list members (RFC 9110 §5.6.1), trimmed, empty ones dropped. */
export function listMembers(value: string | undefined): string[] {
  if (!value) return []
  return value
    .split(',')
    .map((member) => member.trim())
    .filter((member) => member !== '')
}
