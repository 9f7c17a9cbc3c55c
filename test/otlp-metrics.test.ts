import { createServer, type AddressInfo, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pkg from '../package.json' with { type: 'json' }
import { spawnGateway, type GatewayProcess } from './helpers/gateway.ts'
import { parseExposition, type Family } from './helpers/metrics-text.ts'
import type { OtlpMetric, OtlpPoint } from './helpers/tracing/otlp-decode.ts'
import {
  startOtlpReceiver,
  type MetricsExport,
  type OtlpReceiver,
} from './helpers/tracing/otlp-receiver.ts'
import { startOtlpGrpcReceiver } from './helpers/tracing/otlp-grpc-receiver.ts'
import { startUpstream, type Upstream } from './helpers/tracing/upstream.ts'
import { fetchStatus } from './helpers/origin.ts'

// Issue 11.3: `OTEL_METRICS_EXPORTER=otlp` pushes what /metrics serves. The real gateway
// process, started as `npm start` starts it, pushes OTLP/HTTP protobuf to a receiver in this
// test, which decodes it and compares it with a scrape of /metrics.

const CUMULATIVE = 2

let upstream: Upstream
let receiver: OtlpReceiver

beforeAll(async () => {
  upstream = await startUpstream()
  receiver = await startOtlpReceiver()
})
afterAll(async () => {
  await upstream?.close()
  await receiver?.close()
})

/** A varied load: hits and misses, an upstream error with a Drive code, an unmatched path. */
async function traffic(gw: GatewayProcess): Promise<void> {
  expect(await fetchStatus(`${gw.url}/files/abc`)).toBe(200)
  expect(await fetchStatus(`${gw.url}/files/abc`)).toBe(200)
  expect(await fetchStatus(`${gw.url}/files/def`, { 'x-test-status': '598', 'x-test-code': 'LONG_RUNNING_TRANSACTION' })).toBe(598) // prettier-ignore
  expect(await fetchStatus(`${gw.url}/files/ghi`, { 'x-test-status': '404', 'x-test-code': 'NOT_FOUND' })).toBe(404) // prettier-ignore
  expect(await fetchStatus(`${gw.url}/nowhere`)).toBe(200)
}

async function scrape(gw: GatewayProcess): Promise<Map<string, Family>> {
  const res = await fetch(`${gw.adminUrl}/metrics`)
  return parseExposition(await res.text())
}

// Values as they are: a pushed label must be a string attribute, as a scraped one is.
const labelKey = (labels: Record<string, unknown>) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))
const namesKey = (labels: Record<string, unknown>) => Object.keys(labels).sort().join(',')
const isGateways = (name: string) => name.startsWith('drive_gateway_') || name.startsWith('http_')

type Hist = { bounds: number[]; cumulative: number[]; count: number; sum: number }

/** Each series of a scraped family: its value, or its histogram with cumulative buckets. */
function scrapedSeries(family: Family): Map<string, number | Hist> {
  const out = new Map<string, number | Hist>()
  if (family.type !== 'histogram') {
    for (const s of family.samples) out.set(labelKey(s.labels), s.value)
    return out
  }
  for (const s of family.samples) {
    const { le, ...labels } = s.labels
    const key = labelKey(labels)
    const h = (out.get(key) as Hist | undefined) ?? { bounds: [], cumulative: [], count: 0, sum: 0 }
    out.set(key, h)
    if (s.name.endsWith('_bucket')) {
      if (le !== '+Inf') h.bounds.push(Number(le))
      h.cumulative.push(s.value)
    } else if (s.name.endsWith('_count')) h.count = s.value
    else if (s.name.endsWith('_sum')) h.sum = s.value
  }
  return out
}

/** The same, from a pushed metric: OTLP's per-bucket counts summed back to cumulative ones. */
function pushedSeries(metric: OtlpMetric): Map<string, number | Hist> {
  const out = new Map<string, number | Hist>()
  for (const p of metric.points) {
    if (metric.type !== 'histogram') {
      out.set(labelKey(p.attributes), p.value!)
      continue
    }
    let running = 0
    const cumulative = p.bucketCounts!.map((c) => (running += c))
    out.set(labelKey(p.attributes), {
      bounds: p.bounds!,
      cumulative,
      count: p.count!,
      sum: p.sum!,
    })
  }
  return out
}

function byName(push: MetricsExport): Map<string, OtlpMetric> {
  return new Map(push.metrics.map((m) => [m.name, m]))
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('a pushing gateway, compared with a scrape', () => {
  let gw: GatewayProcess
  let scraped: Map<string, Family>
  let pushes: MetricsExport[]
  let exitCode: number | null
  let requests: string[]

  beforeAll(async () => {
    const before = receiver.requests.length
    gw = await spawnGateway({
      UPSTREAM_URL: upstream.url,
      OTEL_METRICS_EXPORTER: 'otlp',
      // The metrics endpoint alone: traces stay off.
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.url}/v1/metrics`,
      // No periodic push during the test: the one push is the shutdown's.
      OTEL_METRIC_EXPORT_INTERVAL: '600000',
    })
    await traffic(gw)
    scraped = await scrape(gw)
    // A request in flight at SIGTERM, on its own series: the final push comes after the drain.
    const seen = upstream.seen.length
    const slow = fetchStatus(`${gw.url}/files/slow`, {
      'x-test-status': '201',
      'x-test-delay-ms': '400',
    })
    await waitFor(() => (upstream.seen.length > seen ? true : undefined))
    const pushed = receiver.pushes.length
    exitCode = await gw.stop('SIGTERM')
    expect(await slow).toBe(201)
    pushes = receiver.pushes.slice(pushed)
    requests = receiver.requests.slice(before)
  })
  afterAll(() => gw?.stop('SIGKILL'))

  it('exits cleanly after one push, of metrics only, in protobuf', () => {
    expect(exitCode).toBe(0)
    expect(pushes).toHaveLength(1)
    expect(requests).toEqual(['POST /v1/metrics application/x-protobuf'])
  })

  it('pushes every family of /metrics under the same name, and nothing else', () => {
    const pushed = [...byName(pushes[0]!).keys()].sort()
    expect(pushed).toEqual([...scraped.keys()].sort())
    expect(pushed).toContain('drive_gateway_responses_total')
    expect(pushed).toContain('process_cpu_seconds_total')
  })

  it('maps types, help and units: counters to cumulative monotonic sums', () => {
    const pushed = byName(pushes[0]!)
    for (const family of scraped.values()) {
      const metric = pushed.get(family.name)!
      expect(metric.description, family.name).toBe(family.help)
      const expected = { counter: 'sum', gauge: 'gauge', histogram: 'histogram' }[family.type]
      expect(metric.type, family.name).toBe(expected)
      if (family.type !== 'gauge') expect(metric.temporality, family.name).toBe(CUMULATIVE)
      if (family.type === 'counter') expect(metric.monotonic, family.name).toBe(true)
    }
    expect(pushed.get('http_server_request_duration_seconds')!.unit).toBe('s')
    expect(pushed.get('process_resident_memory_bytes')!.unit).toBe('By')
    expect(pushed.get('drive_gateway_responses_total')!.unit).toBe('')
  })

  it('has the label sets and values of the scrape, plus the drained request', () => {
    const pushed = byName(pushes[0]!)
    const drained = (labels: string) => labels.includes('"201"')
    let compared = 0
    for (const family of scraped.values()) {
      const want = scrapedSeries(family)
      const got = pushedSeries(pushed.get(family.name)!)
      if (!isGateways(family.name)) {
        // Process metrics move on their own between a scrape and a push: their label names
        // must match, their values and some label values (handle types, GC kinds) need not.
        // A family with no series at the scrape (no GC had run yet) may gain them by the push.
        const names = (m: Map<string, unknown>) =>
          new Set([...m.keys()].map((k) => namesKey(Object.fromEntries(JSON.parse(k)))))
        if (want.size > 0) expect(names(got), family.name).toEqual(names(want))
        continue
      }
      const extra = [...got.keys()].filter((k) => !want.has(k))
      for (const key of extra) expect(drained(key), `${family.name} ${key}`).toBe(true)
      for (const [key, value] of want) {
        const value2 = got.get(key)
        if (family.name === 'drive_gateway_responses_total') compared++
        expect(value2, `${family.name} ${key}`).toEqual(value)
      }
    }
    // Five requests on four series; the unmatched path is one more.
    expect(compared).toBeGreaterThanOrEqual(4)
    const responses = pushedSeries(pushed.get('drive_gateway_responses_total')!)
    const slow = [...responses].filter(([key]) => drained(key))
    expect(slow).toHaveLength(1)
    expect(slow[0]![1]).toBe(1)
  })

  it('sends every label value as a string attribute, as the scrape has it', () => {
    const values = pushes[0]!.metrics.flatMap((m) =>
      m.points.flatMap((p) => Object.values(p.attributes))
    )
    expect(values.length).toBeGreaterThan(50)
    for (const value of values) expect(typeof value).toBe('string')
    const version = byName(pushes[0]!).get('nodejs_version_info')!.points[0]!.attributes
    expect(version.major).toBe(process.versions.node.split('.')[0])
  })

  it('keeps the histogram buckets of /metrics', () => {
    const metric = byName(pushes[0]!).get('http_server_request_duration_seconds')!
    const bounds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60] // prettier-ignore
    expect(metric.points.length).toBeGreaterThanOrEqual(4)
    for (const point of metric.points) {
      expect(point.bounds).toEqual(bounds)
      expect(point.bucketCounts).toHaveLength(bounds.length + 1)
      expect(point.bucketCounts!.reduce((a, b) => a + b, 0)).toBe(point.count)
    }
    // The drained request took at least its 400 ms upstream delay.
    const slow = metric.points.find((p) => p.attributes.http_response_status_code === '201')!
    const index = slow.bucketCounts!.findIndex((c) => c === 1)
    expect(bounds[index]).toBeGreaterThanOrEqual(0.5)
  })

  it('names the service in the resource and the gateway as the scope', () => {
    for (const metric of pushes[0]!.metrics) {
      expect(metric.resource).toMatchObject({
        'service.name': 'drive-gateway',
        'service.version': pkg.version,
      })
      expect(metric.resource['service.instance.id']).toEqual(expect.any(String))
      expect(metric.scope).toEqual({ name: 'drive-gateway', version: pkg.version })
    }
  })

  it('prints a payload summary', () => {
    const push = pushes[0]!
    const series = push.metrics.reduce((n, m) => n + m.points.length, 0)
    console.log(
      `OTLP metrics push: ${push.metrics.length} metrics, ${series} series, ${push.bytes} bytes (protobuf)`
    )
    expect(push.bytes).toBeGreaterThan(0)
  })
})

describe('periodic pushes', () => {
  let gw: GatewayProcess
  afterAll(() => gw?.stop('SIGKILL'))

  it('are cumulative: counters never go down, and their start time stays', async () => {
    const first = receiver.pushes.length
    const started = Date.now()
    gw = await spawnGateway({
      UPSTREAM_URL: upstream.url,
      CACHE: 'off',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
    })
    const responses = (push: MetricsExport) =>
      pushedSeries(byName(push).get('drive_gateway_responses_total')!)
    const total = (push: MetricsExport) =>
      [...responses(push).values()].reduce((a: number, b) => a + (b as number), 0)
    await traffic(gw)
    const a = await waitFor(() => receiver.pushes.slice(first).find((p) => total(p) === 5))
    await traffic(gw)
    const b = await waitFor(() => receiver.pushes.slice(first).find((p) => total(p) === 10))
    // The interval holds: load can only delay pushes, never add any.
    const elapsed = b.at - started
    const sent = receiver.pushes.slice(first).filter((p) => p.at <= b.at).length
    expect(sent).toBeGreaterThanOrEqual(2)
    expect(sent).toBeLessThanOrEqual(Math.floor(elapsed / 300) + 1)

    const before = byName(a)
    const after = byName(b)
    let counters = 0
    for (const [name, metric] of before) {
      if (metric.type === 'gauge') continue
      const later = new Map(after.get(name)!.points.map((p) => [labelKey(p.attributes), p]))
      for (const point of metric.points) {
        const next: OtlpPoint = later.get(labelKey(point.attributes))!
        expect(next, `${name} ${labelKey(point.attributes)}`).toBeDefined()
        expect(next.startNanos).toBe(point.startNanos)
        expect(next.timeNanos).toBeGreaterThan(point.timeNanos)
        expect(point.startNanos).toBeLessThanOrEqual(point.timeNanos)
        if (metric.type === 'sum') expect(next.value!).toBeGreaterThanOrEqual(point.value!)
        else {
          expect(next.count!).toBeGreaterThanOrEqual(point.count!)
          next.bucketCounts!.forEach((c, i) => expect(c).toBeGreaterThanOrEqual(point.bucketCounts![i]!)) // prettier-ignore
        }
        counters++
      }
    }
    expect(counters).toBeGreaterThan(10)
    for (const [key, value] of responses(a)) {
      expect(responses(b).get(key)).toBe((value as number) * 2)
    }
    expect(await gw.stop('SIGTERM')).toBe(0)
  })
})

describe('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=http/json', () => {
  it('pushes OTLP/JSON to /v1/metrics, with the headers of OTEL_EXPORTER_OTLP_METRICS_HEADERS', async () => {
    const before = receiver.jsonPushes.length
    const sent = receiver.authorizations.length
    const gw = await spawnGateway({
      UPSTREAM_URL: upstream.url,
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'authorization=Bearer%20t0ken',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.url}/v1/metrics`,
      OTEL_METRIC_EXPORT_INTERVAL: '600000',
    })
    try {
      expect(await fetchStatus(`${gw.url}/files/abc`)).toBe(200)
      expect(await gw.stop('SIGTERM')).toBe(0)
    } finally {
      await gw.stop('SIGKILL')
    }
    const pushed = receiver.jsonPushes.slice(before) as {
      resourceMetrics: { scopeMetrics: { metrics: { name: string; sum?: unknown }[] }[] }[]
    }[]
    expect(pushed).toHaveLength(1)
    expect(receiver.authorizations.slice(sent)).toEqual(['Bearer t0ken'])
    const metrics = pushed[0]!.resourceMetrics[0]!.scopeMetrics[0]!.metrics
    const responses = metrics.find((m) => m.name === 'drive_gateway_responses_total')
    expect(responses?.sum).toMatchObject({ isMonotonic: true, aggregationTemporality: 2 })
  })
})

describe('with traces on too', () => {
  it('pushes metrics, then flushes spans, on one resource, gzipped', async () => {
    const before = receiver.requests.length
    const pushed = receiver.pushes.length
    const spans = receiver.spans.length
    const gw = await spawnGateway({
      UPSTREAM_URL: upstream.url,
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_METRIC_EXPORT_INTERVAL: '600000',
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    })
    try {
      expect(await fetchStatus(`${gw.url}/files/abc`)).toBe(200)
      expect(await gw.stop('SIGTERM')).toBe(0)
    } finally {
      await gw.stop('SIGKILL')
    }
    // Shutdown order: the final metrics push, then the span flush.
    expect(receiver.requests.slice(before)).toEqual([
      'POST /v1/metrics application/x-protobuf',
      'POST /v1/traces application/x-protobuf',
    ])
    const push = receiver.pushes.slice(pushed)[0]!
    const span = receiver.spans.slice(spans)[0]!
    const instance = span.resource['service.instance.id']
    expect(instance).toEqual(expect.any(String))
    for (const metric of push.metrics) expect(metric.resource['service.instance.id']).toBe(instance)
    const series = push.metrics.reduce((n, m) => n + m.points.length, 0)
    console.log(`OTLP metrics push, gzip: ${push.metrics.length} metrics, ${series} series, ${push.bytes} bytes`) // prettier-ignore
    expect(push.bytes).toBeLessThan(5_000)
  })
})

describe('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=grpc', () => {
  it('pushes over OTLP/gRPC', async () => {
    const grpc = await startOtlpGrpcReceiver()
    try {
      const gw = await spawnGateway({
        UPSTREAM_URL: upstream.url,
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: grpc.url,
        OTEL_METRIC_EXPORT_INTERVAL: '600000',
      })
      try {
        expect(await fetchStatus(`${gw.url}/files/abc`)).toBe(200)
        expect(await gw.stop('SIGTERM')).toBe(0)
      } finally {
        await gw.stop('SIGKILL')
      }
      expect(grpc.pushes).toHaveLength(1)
      const responses = grpc.pushes[0]!.find((m) => m.name === 'drive_gateway_responses_total')!
      expect(responses).toMatchObject({ type: 'sum', monotonic: true, temporality: CUMULATIVE })
      expect(responses.points.map((p) => p.value)).toEqual([1])
    } finally {
      await grpc.close()
    }
  })
})

describe('a collector that never answers', () => {
  it('holds up the shutdown for at most 5 s', async () => {
    const sockets = new Set<Socket>()
    const server = createServer((socket) => void sockets.add(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const gw = await spawnGateway({
        UPSTREAM_URL: upstream.url,
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${port}/v1/metrics`,
        OTEL_METRIC_EXPORT_INTERVAL: '600000',
      })
      let start = 0
      try {
        expect(await fetchStatus(`${gw.url}/files/abc`)).toBe(200)
        start = Date.now()
        expect(await gw.stop('SIGTERM')).toBe(0)
      } finally {
        await gw.stop('SIGKILL')
      }
      const took = Date.now() - start
      // It tried the final push, waited for it, and gave up at the bound.
      expect(sockets.size).toBeGreaterThan(0)
      expect(took).toBeGreaterThanOrEqual(4_500)
      expect(took).toBeLessThan(9_000)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
