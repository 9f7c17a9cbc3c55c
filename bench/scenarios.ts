// The scenarios of `npm run bench`, each a set of targets measured under the same load:
// - proxy: the gateway (CACHE=off, memory hit, Redis hit, tracing all-sampled and at ratio 0.1)
//   beside its peers (the Node floor, fastify + @fastify/http-proxy) and nginx (proxy_pass,
//   proxy_cache hit) and the upstream itself, in front of the cheapest upstream;
// - latency: the proxies in front of a 20 ms upstream (the latency each adds at moderate load);
// - heap: the gateway with the V8 heap flags it ships against the others the bench tries.
import { setTimeout as sleep } from 'node:timers/promises'
import { IDS } from './checks.ts'
import { measureDownload } from './download.ts'
import { measureScenario, type MeasureContext, type Target } from './measure.ts'
import type { Proc } from './procs.ts'
import { fmt, type DownloadRow, type RatioRef, type ScenarioResult } from './report.ts'
import {
  startGateway,
  startOtlpSink,
  startPeer,
  type Gateway,
  type GatewayOptions,
  type OtlpSink,
  type Peer,
  type PeerKind,
  type SinkStats,
  type Upstream,
} from './servers.ts'

// A well-formed resource key (base64url of `owner|no|F|0`), as the simulator expects.
export const RESOURCE_KEY = Buffer.from('14503002|3472254|F|0').toString('base64url')
export const LOOKUP_PATH = `/files/${RESOURCE_KEY}`
// Credentials make lookups cacheable (the gateway keys its cache per caller).
export const HEADERS = ['Authorization: Bearer bench', 'consumerKey: bench']
const HEADER_OBJECT = { Authorization: 'Bearer bench', consumerKey: 'bench' }

export interface BenchContext {
  readonly measure: MeasureContext
  /** Node flags for every gateway (BENCH_GATEWAY_NODE_FLAGS). */
  readonly gatewayNodeFlags: readonly string[]
  readonly cpus: number
  log(message: string): void
}

/** The nginx proxy instance and its sites in front of one upstream. */
export interface NginxFront {
  readonly proc: Proc
  readonly proxyPort: number
  readonly cachePort?: number
}

export function errorLine(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')
    .slice(0, 3)
    .join(' / ')
}

/** Starts a gateway, or returns the reason it could not start (the row is then skipped). */
export async function tryGateway(
  bench: BenchContext,
  options: GatewayOptions
): Promise<Gateway | string> {
  try {
    return await startGateway({
      ...options,
      nodeFlags: [...bench.gatewayNodeFlags, ...(options.nodeFlags ?? [])],
    })
  } catch (error) {
    return `skipped: gateway did not start: ${errorLine(error)}`
  }
}

async function tryPeer(kind: PeerKind, up: Upstream): Promise<Peer | string> {
  try {
    return await startPeer(kind, up.url, LOOKUP_PATH)
  } catch (error) {
    return `skipped: ${kind} did not start: ${errorLine(error)}`
  }
}

export function gatewayTarget(
  id: string,
  label: string,
  gw: Gateway | Peer | string,
  others: Record<string, Proc>,
  extra: Partial<Target> = {},
  role: Target['role'] = 'gateway'
): Target {
  if (typeof gw === 'string') return { id, label, role, url: '', others, skipped: gw, ...extra }
  return { id, label, role, url: gw.url + LOOKUP_PATH, proxy: gw.proc, others, ...extra }
}

export async function stopAll(...procs: (Gateway | Peer | OtlpSink | string | undefined)[]) {
  await Promise.all(procs.map((p) => (typeof p === 'object' ? p.proc.stop() : undefined)))
}

function nginxTarget(id: string, label: string, nginx: Proc, port: number, up: Upstream): Target {
  return {
    id,
    label,
    role: 'nginx',
    url: `http://127.0.0.1:${port}${LOOKUP_PATH}`,
    proxy: nginx,
    others: { upstream: up.proc },
  }
}

function directTarget(up: Upstream): Target {
  return {
    id: 'direct',
    label: `direct (${up.label})`,
    role: 'direct',
    url: up.url + LOOKUP_PATH,
    others: { upstream: up.proc },
  }
}

/** The body the upstream answers the lookup with: every proxy must pass it through unchanged. */
export async function upstreamBody(up: Upstream): Promise<string> {
  const res = await fetch(up.url + LOOKUP_PATH, { headers: HEADER_OBJECT })
  return res.text()
}

/**
 * Sends a few hundred lookups through a gateway that exports to the sink (enough to fill one
 * 512-span batch) and waits for a span to arrive; returns why not, or undefined when one did.
 */
export const PROBE_REQUESTS = 20 * 32

async function probeTracing(gw: Gateway, sink: OtlpSink): Promise<string | undefined> {
  const before = (await sink.stats()).spans
  for (let i = 0; i < PROBE_REQUESTS / 32; i++) {
    await Promise.all(
      Array.from({ length: 32 }, () =>
        fetch(gw.url + LOOKUP_PATH, { headers: HEADER_OBJECT }).then((r) => r.arrayBuffer())
      )
    )
  }
  const until = Date.now() + 7_000
  while (Date.now() < until) {
    if ((await sink.stats()).spans > before) return undefined
    await sleep(250)
  }
  return 'skipped: no span reached the OTLP sink within 7 s of 640 requests'
}

const PEER_LABELS = {
  floor: 'Node floor (node:http + undici.request)',
  fastify: 'fastify + @fastify/http-proxy',
}

/** The ratios every proxy row gets: against nginx, the floor and fastify. */
const PEER_REFS: RatioRef[] = [
  { id: 'nginx', name: '×nginx' },
  { id: IDS.floor, name: '×floor' },
  { id: 'fastify', name: '×fastify' },
]

export interface ProxyOptions {
  readonly up: Upstream
  readonly nginx: NginxFront
  readonly redisUrl?: string
  readonly redisProc?: Proc
  readonly withCache: boolean
  readonly withTracing: boolean
  readonly withGateway: boolean
}

export interface TracingAccount {
  readonly label: string
  readonly before: SinkStats
  readonly after: SinkStats
  readonly requests: number
}

/**
 * The main table: every proxy in front of the same upstream at 0 ms, so ratios to nginx, the
 * floor and fastify come from neighbouring runs.
 */
export async function proxyScenario(
  bench: BenchContext,
  o: ProxyOptions
): Promise<{ scenario: ScenarioResult; tracing: TracingAccount[] }> {
  const { up, nginx } = o
  const body = await upstreamBody(up)
  const others = { upstream: up.proc }
  const start = (name: string, env: Record<string, string>) =>
    tryGateway(bench, { name, upstreamUrl: up.url, env })
  const [floor, fastify] = [await tryPeer('floor', up), await tryPeer('fastify', up)]
  const gw =
    o.withGateway || o.withTracing
      ? await start('gateway', { CACHE: 'off' })
      : 'skipped: not in BENCH_ONLY'
  // The cache rows: one key of one caller, a hit on every request after the first. The TTL is
  // set so the rows do not depend on the default.
  const cacheEnv = { CACHE: 'on', CACHE_TTL_SECONDS: '60' }
  const gwMem = o.withCache ? await start('gateway (memory cache)', cacheEnv) : undefined
  const gwRedis = !o.withCache
    ? undefined
    : o.redisUrl
      ? await start('gateway (redis cache)', {
          ...cacheEnv,
          REDIS_URL: o.redisUrl,
          REDIS_KEY_PREFIX: 'bench:',
        })
      : 'skipped: redis-server is not installed'
  // Tracing: every request sampled, and the sidecar setting (parent-based, 10 % of roots). Each
  // exports to its own sink so spans per request can be told apart.
  let sinkOn: OtlpSink | undefined
  let sinkRatio: OtlpSink | undefined
  let gwOn: Gateway | string | undefined
  let gwRatio: Gateway | string | undefined
  if (o.withTracing) {
    sinkOn = await startOtlpSink()
    sinkRatio = await startOtlpSink()
    gwOn = await start('gateway (tracing, always_on)', {
      CACHE: 'off',
      OTEL_EXPORTER_OTLP_ENDPOINT: sinkOn.url,
      OTEL_TRACES_SAMPLER: 'always_on',
    })
    gwRatio = await start('gateway (tracing, ratio 0.1)', {
      CACHE: 'off',
      OTEL_EXPORTER_OTLP_ENDPOINT: sinkRatio.url,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
    })
    if (typeof gwOn === 'object') {
      const why = await probeTracing(gwOn, sinkOn)
      if (why) {
        bench.log(`tracing: ${why}`)
        await gwOn.proc.stop()
        gwOn = why
      }
    }
  }
  const beforeOn = sinkOn ? await sinkOn.stats() : undefined
  const beforeRatio = sinkRatio ? await sinkRatio.stats() : undefined

  const targets: Target[] = [
    directTarget(up),
    nginxTarget('nginx', 'nginx proxy_pass (1 worker)', nginx.proc, nginx.proxyPort, up),
    ...(o.withCache && nginx.cachePort
      ? [
          {
            ...nginxTarget('nginx-cache', 'nginx proxy_cache hit', nginx.proc, nginx.cachePort, up),
            expectHit: true,
          },
        ]
      : []),
    gatewayTarget(IDS.floor, PEER_LABELS.floor, floor, others, {}, 'peer'),
    gatewayTarget('fastify', PEER_LABELS.fastify, fastify, others, {}, 'peer'),
    gatewayTarget(IDS.gateway, 'drive-gateway CACHE=off', gw, others),
    ...(gwMem
      ? [
          gatewayTarget(IDS.memory, 'drive-gateway memory-store hit', gwMem, others, {
            expectHit: true,
          }),
        ]
      : []),
    ...(gwRedis
      ? [
          gatewayTarget(
            IDS.redis,
            'drive-gateway Redis hit',
            gwRedis,
            o.redisProc ? { ...others, redis: o.redisProc } : others,
            { expectHit: true }
          ),
        ]
      : []),
    ...(gwOn
      ? [
          gatewayTarget(
            IDS.tracingOn,
            'drive-gateway CACHE=off, tracing every request (always_on → OTLP/HTTP sink)',
            gwOn,
            sinkOn ? { ...others, sink: sinkOn.proc } : others
          ),
        ]
      : []),
    ...(gwRatio
      ? [
          gatewayTarget(
            IDS.tracingRatio,
            'drive-gateway CACHE=off, tracing parentbased_traceidratio 0.1',
            gwRatio,
            sinkRatio ? { ...others, sink: sinkRatio.proc } : others
          ),
        ]
      : []),
  ].map((t) => ({ ...t, expectBody: body }))
  const results = await measureScenario(bench.measure, 'proxy', targets)

  const tracing: TracingAccount[] = []
  const notes: string[] = [
    `Upstream: ${up.label} at 0 ms. Saturation: wrk, the upstream and the proxy share ${bench.cpus} cores; a Node proxy is bound by its own single thread, so req/s ≈ 10⁶ / (CPU µs/req).`,
    ...(o.withCache
      ? [
          'Cache rows: every request is a hit on one key of one caller after the first; nginx keys its cache on path + Authorization + consumerKey and ignores Cache-Control, like the gateway.',
        ]
      : []),
  ]
  for (const [label, id, gwX, sink, before] of [
    ['always_on', IDS.tracingOn, gwOn, sinkOn, beforeOn],
    ['ratio 0.1', IDS.tracingRatio, gwRatio, sinkRatio, beforeRatio],
  ] as const) {
    if (!sink || !before || typeof gwX !== 'object') continue
    await gwX.proc.stop() // its shutdown flushes the last spans
    const after = await sink.stats()
    const row = results.find((r) => r.target.id === id)!
    const requests =
      (id === IDS.tracingOn ? PROBE_REQUESTS : 0) +
      1 +
      (row.warmup?.requests ?? 0) +
      row.runs.reduce((s, r) => s + r.wrk.requests + (r.discarded?.requests ?? 0), 0)
    tracing.push({ label, before, after, requests })
    const spans = after.spans - before.spans
    notes.push(
      `Tracing ${label}: the sink received ${fmt.int(spans)} spans (${fmt.int(after.serverSpans - before.serverSpans)} server, ${fmt.int(after.clientSpans - before.clientSpans)} client) in ${fmt.int(after.requests - before.requests)} exports for ${fmt.int(requests)} requests: ${(spans / requests).toFixed(2)} spans/request (${id === IDS.tracingOn ? '2 expected' : 'about 0.2 expected'}).`
    )
  }
  await stopAll(floor, fastify, gw, gwMem, gwRedis, gwOn, gwRatio, sinkOn, sinkRatio)
  return {
    scenario: {
      key: 'proxy',
      title: `Proxies side by side, upstream ${up.label}, 0 ms`,
      refs: [
        ...PEER_REFS,
        { id: IDS.gateway, name: '×CACHE=off' },
        { id: IDS.floor, name: 'CPU ×floor', metric: 'cpu' },
        { id: IDS.floor, name: 'p99 ×floor', metric: 'p99' },
      ],
      results,
      notes,
    },
    tracing,
  }
}

/** The same proxies in front of a slow upstream: the latency each adds at moderate load. */
export async function latencyScenario(
  bench: BenchContext,
  up: Upstream,
  nginx: NginxFront,
  connections: number
): Promise<ScenarioResult> {
  const others = { upstream: up.proc }
  const [floor, fastify] = [await tryPeer('floor', up), await tryPeer('fastify', up)]
  const gw = await tryGateway(bench, {
    name: 'gateway',
    upstreamUrl: up.url,
    env: { CACHE: 'off' },
  })
  const body = await upstreamBody(up)
  const results = await measureScenario(
    bench.measure,
    'latency',
    [
      directTarget(up),
      nginxTarget('nginx', 'nginx proxy_pass (1 worker)', nginx.proc, nginx.proxyPort, up),
      gatewayTarget(IDS.floor, PEER_LABELS.floor, floor, others, {}, 'peer'),
      gatewayTarget('fastify', PEER_LABELS.fastify, fastify, others, {}, 'peer'),
      gatewayTarget(IDS.gateway, 'drive-gateway CACHE=off', gw, others),
    ].map((t) => ({ ...t, expectBody: body }))
  )
  await stopAll(floor, fastify, gw)
  return {
    key: 'latency',
    title: `Proxies side by side, upstream ${up.label}, ${up.latencyMs} ms`,
    refs: [...PEER_REFS, { id: IDS.floor, name: 'CPU ×floor', metric: 'cpu' }],
    directId: 'direct',
    results,
    notes: [
      `Ceiling: ${connections} connections / ${up.latencyMs} ms = ${fmt.int((connections * 1000) / up.latencyMs)} req/s. The upstream answers the ${connections} requests of a burst together, and a Node proxy handles them one after another, so added latency tracks CPU per request.`,
    ],
  }
}

/** Node flags as a row label. */
export function flagsLabel(flags: readonly string[]): string {
  return flags.length ? flags.join(' ') : 'none'
}

/**
 * The gateway (CACHE=off) with the flags it ships against each variant, in alternating rounds:
 * RSS against throughput and CPU.
 */
export async function heapScenario(
  bench: BenchContext,
  up: Upstream,
  shipped: readonly string[],
  variants: readonly (readonly string[])[]
): Promise<ScenarioResult> {
  const others = { upstream: up.proc }
  const sets = [[], ...variants]
  const targets: Target[] = []
  const gws: (Gateway | string)[] = []
  for (const [i, flags] of sets.entries()) {
    const gw = await tryGateway(bench, {
      name: `gateway (${flagsLabel(flags)})`,
      upstreamUrl: up.url,
      env: { CACHE: 'off' },
      nodeFlags: flags,
    })
    gws.push(gw)
    const label =
      i === 0 ? `shipped flags (${flagsLabel(shipped)})` : `+ ${flagsLabel(flags)} (after shipped)`
    targets.push(gatewayTarget(`heap-${i}`, label, gw, others))
  }
  const results = await measureScenario(bench.measure, 'heap', targets)
  await stopAll(...gws)
  return {
    key: 'heap',
    title: `V8 heap flags: RSS against throughput (drive-gateway CACHE=off, ${up.label}, 0 ms)`,
    refs: [
      { id: 'heap-0', name: '×shipped' },
      { id: 'heap-0', name: 'CPU ×shipped', metric: 'cpu' },
    ],
    results,
    notes: [],
  }
}

/**
 * One large download through the gateway (CACHE=off and on): throughput and RSS while the body
 * streams. Needs the simulator (its `/download?size=` endpoint), whatever the 0 ms upstream is.
 */
export async function downloadRows(
  bench: BenchContext,
  sim: Upstream,
  size: number
): Promise<DownloadRow[]> {
  const rows: DownloadRow[] = []
  const path = `/files/${RESOURCE_KEY}/download?size=${size}`
  const variants: [string, Record<string, string> | undefined][] = [
    ['direct (simulator)', undefined],
    ['gateway (CACHE=off)', { CACHE: 'off' }],
    ['gateway (CACHE=on, memory store)', { CACHE: 'on' }],
  ]
  for (const [label, env] of variants) {
    let gw: Gateway | string | undefined
    try {
      if (env) {
        gw = await tryGateway(bench, { name: 'gateway (download)', upstreamUrl: sim.url, env })
        if (typeof gw === 'string') {
          rows.push({ label, status: gw })
          continue
        }
        // Warm up the streaming path once, then let the heap settle before the start sample.
        await measureDownload(
          `${gw.url}/files/${RESOURCE_KEY}/download?size=${16 << 20}`,
          HEADER_OBJECT,
          undefined
        )
        await sleep(500)
      }
      bench.log(`download: ${label}, ${fmt.int(size / 2 ** 20)} MiB`)
      const base = typeof gw === 'object' ? gw.url : sim.url
      const proc = typeof gw === 'object' ? gw.proc : sim.proc
      const result = await measureDownload(base + path, HEADER_OBJECT, proc)
      const ok = result.status === 200 && result.bytes === size
      rows.push({
        label,
        result,
        status: ok ? 'ok' : `status ${result.status}, ${result.bytes} of ${size} bytes`,
      })
      bench.log(
        `download: ${label}: ${fmt.int(result.mibPerS)} MiB/s` +
          (result.rss
            ? `, RSS ${fmt.mb(result.rss.start / 1e6)} → ${fmt.mb(result.rss.peak / 1e6)} → ${fmt.mb(result.rss.end / 1e6)} MB`
            : '')
      )
    } catch (error) {
      rows.push({ label, status: `failed: ${errorLine(error)}` })
    } finally {
      await stopAll(gw)
    }
  }
  return rows
}
