import { headerValue, type WireResponse } from './raw-http.ts'
import type { Expectation } from './upstream-grammar.ts'

// Fields the gateway writes itself, or that describe the client connection only.
const GATEWAY_FIELDS = new Set([
  'x-request-id',
  'x-cache-status',
  'connection',
  'keep-alive',
  'transfer-encoding',
])

/** The catalog code of a gateway-made error response, or undefined for a passed-on one. */
export function gatewayCode(response: WireResponse): string | undefined {
  if (response.status !== 502 && response.status !== 504) return undefined
  try {
    const body = JSON.parse(response.body.toString('utf8')) as { domain?: string; code?: string }
    return body.domain === 'gateway' ? body.code : undefined
  } catch {
    return undefined
  }
}

function fieldsOf(response: WireResponse): [string, string][] {
  const out: [string, string][] = []
  for (const line of response.headerLines) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon)
    if (GATEWAY_FIELDS.has(name.toLowerCase())) continue
    out.push([name, line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')])
  }
  return out
}

function passedOn(expect: Expectation, response: WireResponse): string | undefined {
  const { head } = expect
  const wanted = `HTTP/1.1 ${head.status} ${head.reason}`
  if (response.statusLine !== wanted) {
    return `status line ${JSON.stringify(response.statusLine)}, expected ${JSON.stringify(wanted)}`
  }
  let got = fieldsOf(response)
  const want = head.fields
  // An upstream response without Date gets one from the gateway (RFC 9110 §6.6.1), and only
  // then: exactly one, an IMF-fixdate.
  if (!want.some(([n]) => n.toLowerCase() === 'date')) {
    const dates = got.filter(([n]) => n.toLowerCase() === 'date')
    if (
      dates.length !== 1 ||
      !/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/.test(dates[0]![1])
    ) {
      return `expected one Date added by the gateway, got ${JSON.stringify(dates)}`
    }
    got = got.filter(([n]) => n.toLowerCase() !== 'date')
  }
  if (
    got.length !== want.length ||
    got.some(([n, v], i) => n !== want[i]![0] || v !== want[i]![1])
  ) {
    const diff = got.findIndex(([n, v], i) => n !== want[i]?.[0] || v !== want[i]?.[1])
    return `fields differ at ${diff}: got ${JSON.stringify(got[diff] ?? null)?.slice(0, 200)}, expected ${JSON.stringify(want[diff] ?? null)?.slice(0, 200)} (${got.length} vs ${want.length})`
  }
  if (!expect.cut) {
    if (!response.complete) return `body cut at ${response.body.length} of ${expect.body.length}`
    if (!response.body.equals(expect.body)) {
      return `body differs (${response.body.length} bytes, expected ${expect.body.length})`
    }
    return undefined
  }
  if (response.complete) return 'a broken upstream body reached the client as complete'
  if (!expect.body.subarray(0, response.body.length).equals(response.body)) {
    return 'a cut body is not a prefix of the upstream body'
  }
  return undefined
}

/** Why a client's view of one exchange breaks the contract, or undefined when it holds. */
export function checkUpstreamExchange(
  expect: Expectation,
  response: WireResponse | undefined
): string | undefined {
  if (!response) return 'no response head reached the client'
  const code = gatewayCode(response)
  if (expect.mayVanish && code?.startsWith('UPSTREAM_')) return undefined
  switch (expect.kind) {
    case 'pass':
      return code
        ? `gateway error ${code} for a response it must pass on`
        : passedOn(expect, response)
    case 'pass-or-bad':
      return code === 'UPSTREAM_BAD_RESPONSE'
        ? undefined
        : code
          ? `gateway error ${code}`
          : passedOn(expect, response)
    case 'bad':
      return code === 'UPSTREAM_BAD_RESPONSE'
        ? undefined
        : `expected 502 UPSTREAM_BAD_RESPONSE, got ${JSON.stringify(response.statusLine)} ${code ?? ''}`
    case 'failed':
      return code?.startsWith('UPSTREAM_')
        ? undefined
        : `expected a gateway UPSTREAM_* error, got ${JSON.stringify(response.statusLine)}`
  }
}

export { headerValue }
