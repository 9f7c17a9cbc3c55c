// `npm run bench`: the gateway against the Drive API simulator directly and against nginx, with
// the same wrk load (keep-alive, fixed connections), at 0 ms and at 20 ms simulated upstream
// latency; cache hits (memory and Redis store) against nginx proxy_cache hits; tracing on against
// off; and a 1 GiB download with the gateway's RSS sampled. Prints Markdown tables and writes
// bench/results/<date>.json|md and bench/results/latest.md. Settings: see bench/settings.ts.
import { execFileSync, spawnSync } from 'node:child_process'
import { accessSync, constants, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { measureDownload } from './download.ts'
import { measureScenario, type MeasureContext, type Target } from './measure.ts'
import { startNginx } from './nginx.ts'
import { cpuCount, cpuModel } from './proc-stats.ts'
import { freePort, installCleanup, stopAll, type Proc } from './procs.ts'
import { summariseProfile, type ProfileSummary } from './profile.ts'
import { targetChecks } from './checks.ts'
import {
  checksMarkdown,
  downloadMarkdown,
  fmt,
  profileMarkdown,
  rowsOf,
  scenarioMarkdown,
  writeResults,
  type DownloadRow,
  type Row,
  type ScenarioResult,
} from './report.ts'
import {
  ROOT,
  gatewayArgs,
  startGateway,
  startOtlpSink,
  startRedis,
  startSimulator,
  type Gateway,
  type GatewayOptions,
  type OtlpSink,
  type SinkStats,
  type Upstream,
} from './servers.ts'
import { SETTINGS_HELP, SettingsError, readSettings, type Settings } from './settings.ts'

const INSTALL_HINT =
  'install them with: sudo apt-get update && sudo apt-get install -y wrk nginx redis-server'

// A well-formed resource key (base64url of `owner|no|F|0`), as the simulator expects.
const RESOURCE_KEY = Buffer.from('14503002|3472254|F|0').toString('base64url')
const LOOKUP_PATH = `/files/${RESOURCE_KEY}`
// Credentials make lookups cacheable (the gateway keys its cache per caller).
const HEADERS = ['Authorization: Bearer bench', 'consumerKey: bench']

function fail(message: string, code = 2): never {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(code)
}

function findBinary(name: string): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(':').filter(Boolean),
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
  ]
  for (const dir of dirs) {
    const path = join(dir, name)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // next
    }
  }
  return undefined
}

function versionOf(binary: string, args: string[]): string {
  const r = spawnSync(binary, args, { encoding: 'utf8' })
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]!.trim()
}

function gitState(): { commit: string; dirtyFiles: number } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' })
    return { commit, dirtyFiles: dirty.split('\n').filter(Boolean).length }
  } catch {
    return { commit: 'unknown', dirtyFiles: 0 }
  }
}

/** A folder "exists" for the bench when it holds non-test TypeScript. */
function built(folder: string): boolean {
  try {
    return readdirSync(join(ROOT, folder)).some((f) => f.endsWith('.ts') && !f.includes('.test.'))
  } catch {
    return false
  }
}

const started = Date.now()
let gatewayNodeFlags: readonly string[] = []
function log(message: string): void {
  const s = ((Date.now() - started) / 1000).toFixed(0).padStart(4)
  process.stderr.write(`[${s}s] ${message}\n`)
}

function errorLine(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')
    .slice(0, 3)
    .join(' / ')
}

/** Starts a gateway, or returns the reason it could not start (the row is then skipped). */
async function tryGateway(options: GatewayOptions): Promise<Gateway | string> {
  try {
    return await startGateway({
      ...options,
      nodeFlags: [...gatewayNodeFlags, ...(options.nodeFlags ?? [])],
    })
  } catch (error) {
    return `skipped: gateway did not start: ${errorLine(error)}`
  }
}

function gatewayTarget(
  id: string,
  label: string,
  gw: Gateway | string,
  others: Record<string, Proc>,
  extra: Partial<Target> = {}
): Target {
  if (typeof gw === 'string') {
    return { id, label, role: 'gateway', url: '', others, skipped: gw, ...extra }
  }
  return { id, label, role: 'gateway', url: gw.url + LOOKUP_PATH, proxy: gw.proc, others, ...extra }
}

async function stopGateways(...gws: (Gateway | string | undefined)[]): Promise<void> {
  await Promise.all(gws.map((gw) => (typeof gw === 'object' ? gw.proc.stop() : undefined)))
}

/**
 * Sends a few hundred lookups through a gateway that exports to the sink (enough to fill one
 * 512-span batch) and waits for a span to arrive; returns why not, or undefined when one did.
 */
const PROBE_REQUESTS = 20 * 32

async function probeTracing(gw: Gateway, sink: OtlpSink): Promise<string | undefined> {
  const before = (await sink.stats()).spans
  const headers = { Authorization: 'Bearer bench', consumerKey: 'bench' }
  for (let i = 0; i < PROBE_REQUESTS / 32; i++) {
    await Promise.all(
      Array.from({ length: 32 }, () =>
        fetch(gw.url + LOOKUP_PATH, { headers }).then((r) => r.arrayBuffer())
      )
    )
  }
  const until = Date.now() + 7_000
  while (Date.now() < until) {
    if ((await sink.stats()).spans > before) return undefined
    await sleep(250)
  }
  return 'skipped: tracing is not wired yet: no span reached the OTLP sink within 7 s of 640 requests'
}

async function main(): Promise<void> {
  let settings: Settings
  try {
    settings = readSettings(process.env, ROOT)
  } catch (error) {
    if (error instanceof SettingsError) fail(`${error.message}\n\n${SETTINGS_HELP}`)
    throw error
  }
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(`npm run bench\n\n${SETTINGS_HELP}`)
    return
  }
  if (process.platform !== 'linux') fail('needs Linux (/proc) for CPU and memory accounting')
  const wrk = findBinary('wrk')
  const nginxBin = findBinary('nginx')
  const redisBin = findBinary('redis-server')
  const missing = [!wrk && 'wrk', !nginxBin && 'nginx'].filter(Boolean)
  if (missing.length > 0) fail(`${missing.join(' and ')} not found; ${INSTALL_HINT}`)
  if (!redisBin) log(`redis-server not found: Redis rows will be skipped (${INSTALL_HINT})`)

  gatewayNodeFlags = settings.gatewayNodeFlags
  installCleanup()
  const tmpDir = mkdtempSync(join(tmpdir(), 'drive-gateway-bench-'))
  process.on('exit', () => rmSync(tmpDir, { recursive: true, force: true }))
  const ctx: MeasureContext = {
    settings,
    patience: { remainingS: settings.patienceS },
    wrk: wrk!,
    tmpDir,
    headers: HEADERS,
    log,
  }
  const L = settings.latencyMs
  const run = settings.scenarios
  const cacheBuilt = built('src/cache')
  const tracingBuilt = built('src/tracing')
  const gitInfo = gitState()

  const meta = {
    date: new Date().toISOString(),
    quick: settings.quick,
    git: gitInfo,
    node: process.version,
    gatewayCommand:
      gatewayArgs().from +
      (settings.gatewayNodeFlags.length ? ` + ${settings.gatewayNodeFlags.join(' ')}` : ''),
    nginx: versionOf(nginxBin!, ['-v']),
    wrk: versionOf(wrk!, ['-v']),
    redis: redisBin ? versionOf(redisBin, ['--version']) : 'not installed',
    cpu: `${cpuCount()} × ${cpuModel()}`,
    load: `wrk -t${settings.threads} -c${settings.connections} (keep-alive), ${settings.durationS} s per run after ${settings.warmupS} s warm-up, ${settings.rounds} alternating round(s); GET /files/{resourceKey} with Authorization + consumerKey`,
  }
  log(
    `drive-gateway bench${settings.quick ? ' (quick)' : ''}: ${meta.load}; git ${gitInfo.commit}` +
      (gitInfo.dirtyFiles ? ` + ${gitInfo.dirtyFiles} uncommitted file(s)` : '')
  )

  log('starting the simulator (0 ms and ' + L + ' ms) and nginx')
  const up0 = await startSimulator(0)
  const upL = await startSimulator(L)
  const [nginxPlain0, nginxPlainL, nginxCache0, nginxCacheL] = await Promise.all(
    [0, 1, 2, 3].map(() => freePort())
  )
  const nginx = await startNginx(nginxBin!, join(tmpDir, 'nginx'), [
    { port: nginxPlain0!, upstreamPort: up0.port, cache: false },
    { port: nginxPlainL!, upstreamPort: upL.port, cache: false },
    { port: nginxCache0!, upstreamPort: up0.port, cache: true },
    { port: nginxCacheL!, upstreamPort: upL.port, cache: true },
  ])
  const nginxTarget = (id: string, label: string, port: number, up: Upstream): Target => ({
    id,
    label,
    role: 'nginx',
    url: `http://127.0.0.1:${port}${LOOKUP_PATH}`,
    proxy: nginx,
    others: { upstream: up.proc },
  })
  const directTarget = (id: string, up: Upstream): Target => ({
    id,
    label: 'direct (simulator)',
    role: 'direct',
    url: up.url + LOOKUP_PATH,
    others: { upstream: up.proc },
  })

  const scenarios: ScenarioResult[] = []
  const proxyRefs = [
    { id: 'direct', name: '×direct' },
    { id: 'nginx', name: '×nginx' },
  ]

  // (1)-(3): direct, gateway, nginx proxy_pass; at 0 ms and at L ms upstream latency.
  for (const [key, up, nginxPort] of [
    ['proxy', up0, nginxPlain0!],
    ['latency', upL, nginxPlainL!],
  ] as const) {
    if (!run.has(key)) continue
    const gw = await tryGateway({
      name: 'gateway',
      upstreamUrl: up.url,
      env: { CACHE: 'off' },
    })
    const results = await measureScenario(ctx, `${key}`, [
      directTarget('direct', up),
      gatewayTarget('gateway', 'gateway (CACHE=off)', gw, { upstream: up.proc }),
      nginxTarget('nginx', 'nginx proxy_pass (1 worker)', nginxPort, up),
    ])
    await stopGateways(gw)
    scenarios.push({
      key,
      title: `Proxy, upstream latency ${up.latencyMs} ms`,
      refs: proxyRefs,
      directId: 'direct',
      results,
      notes:
        up.latencyMs === 0
          ? [
              `Saturation: wrk, the simulator and the proxy share ${cpuCount()} cores; a proxy bound by its own single thread does about 10⁶ / (CPU µs/req) req/s.`,
            ]
          : [
              `Ceiling: ${settings.connections} connections / ${up.latencyMs} ms = ${fmt.int((settings.connections * 1000) / up.latencyMs)} req/s; this is the moderate-load row for added latency.`,
            ],
    })
  }

  // (4): cache hits, gateway with the memory store and with Redis vs nginx proxy_cache.
  const redis = run.has('cache') && redisBin ? await startRedis(redisBin) : undefined
  for (const [key, up, nginxPort] of [
    ['cache', up0, nginxCache0!],
    ['cache-latency', upL, nginxCacheL!],
  ] as const) {
    if (!run.has('cache')) continue
    const notBuilt = cacheBuilt ? undefined : 'skipped: src/cache/ is not built yet'
    const gwMem = notBuilt
      ? notBuilt
      : await tryGateway({
          name: 'gateway (memory cache)',
          upstreamUrl: up.url,
          env: { CACHE: 'on' },
        })
    const gwRedis =
      notBuilt ??
      (redis
        ? await tryGateway({
            name: 'gateway (redis cache)',
            upstreamUrl: up.url,
            env: { CACHE: 'on', REDIS_URL: redis.url, REDIS_KEY_PREFIX: `bench-${key}:` },
          })
        : 'skipped: redis-server is not installed')
    const redisOthers: Record<string, Proc> = redis
      ? { upstream: up.proc, redis: redis.proc }
      : { upstream: up.proc }
    const results = await measureScenario(ctx, key, [
      gatewayTarget(
        'gateway-memory',
        'gateway cache hit, memory store',
        gwMem,
        { upstream: up.proc },
        { expectHit: true }
      ),
      gatewayTarget('gateway-redis', 'gateway cache hit, Redis', gwRedis, redisOthers, {
        expectHit: true,
      }),
      { ...nginxTarget('nginx-cache', 'nginx proxy_cache hit', nginxPort, up), expectHit: true },
    ])
    await stopGateways(gwMem, gwRedis)
    scenarios.push({
      key,
      title: `Cache hit, upstream latency ${up.latencyMs} ms`,
      refs: [{ id: 'nginx-cache', name: '×nginx cache' }],
      results,
      notes: [
        'Every request is a hit on one key of one caller after the first; nginx keys its cache on path + Authorization + consumerKey and ignores Cache-Control, like the gateway.',
      ],
    })
  }
  if (redis) await redis.proc.stop()

  // (5): tracing. SDK disabled vs no exporter (default) vs OTLP/HTTP export of every request.
  let tracingSink: { before: SinkStats; after: SinkStats; requests: number } | undefined
  if (run.has('tracing')) {
    const start = async (name: string, env: Record<string, string>) =>
      tryGateway({ name, upstreamUrl: up0.url, env: { CACHE: 'off', ...env } })
    // Tracing on first: when no span reaches the sink, the three rows would only measure the
    // same gateway three times, so they are all skipped with the reason.
    let skip = tracingBuilt ? undefined : 'skipped: src/tracing/ is not built yet'
    const sink = skip ? undefined : await startOtlpSink()
    const gwOn: Gateway | string = sink
      ? await start('gateway (tracing on)', {
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
          OTEL_TRACES_SAMPLER: 'always_on',
        })
      : skip!
    // Counted from before the probe: its spans may arrive during the runs.
    const before = sink ? await sink.stats() : undefined
    if (sink && typeof gwOn === 'object') skip = await probeTracing(gwOn, sink)
    else if (typeof gwOn === 'string') skip = gwOn
    if (skip) log(`tracing: ${skip}`)
    const gwDisabled =
      skip ?? (await start('gateway (SDK disabled)', { OTEL_SDK_DISABLED: 'true' }))
    const gwNone = skip ?? (await start('gateway (no exporter)', {}))
    const targets = [
      gatewayTarget('tracing-disabled', 'tracing off (OTEL_SDK_DISABLED=true)', gwDisabled, {
        upstream: up0.proc,
      }),
      gatewayTarget('tracing-none', 'no exporter (OTEL_* unset, default)', gwNone, {
        upstream: up0.proc,
      }),
      gatewayTarget(
        'tracing-on',
        'tracing on (OTLP/HTTP → local sink, always_on)',
        skip ?? gwOn,
        sink ? { upstream: up0.proc, sink: sink.proc } : { upstream: up0.proc }
      ),
    ]
    const results = await measureScenario(ctx, 'tracing', targets)
    const notes: string[] = []
    const on = results.find((r) => r.target.id === 'tracing-on')!
    if (sink && before && !skip) {
      await stopGateways(gwOn) // its shutdown flushes the last spans
      const after = await sink.stats()
      // Every request the gateway served while the sink was counting: probe, check request,
      // warm-up, runs and discarded runs.
      const requests =
        PROBE_REQUESTS +
        1 +
        (on.warmup?.requests ?? 0) +
        on.runs.reduce((s, r) => s + r.wrk.requests + (r.discarded?.requests ?? 0), 0)
      tracingSink = { before, after, requests }
      const spans = after.spans - before.spans
      notes.push(
        `The sink received ${fmt.int(spans)} spans (${fmt.int(after.serverSpans - before.serverSpans)} server, ${fmt.int(after.clientSpans - before.clientSpans)} client) in ${fmt.int(after.requests - before.requests)} exports for ${fmt.int(requests)} requests: ${(spans / requests).toFixed(2)} spans/request (2 expected: one server, one client span; fewer means the SDK dropped spans).`
      )
      const paths = Object.keys(after.byPath).filter((p) => !p.endsWith('/v1/traces'))
      if (paths.length) notes.push(`The SDK also exported to ${paths.join(', ')}.`)
    }
    if (sink) await sink.proc.stop()
    await stopGateways(gwDisabled, gwNone, gwOn)
    scenarios.push({
      key: 'tracing',
      title: 'Tracing, upstream latency 0 ms (CACHE=off)',
      refs: [
        { id: 'tracing-disabled', name: '×SDK disabled' },
        { id: 'tracing-none', name: '×no exporter' },
      ],
      results,
      notes,
    })
  }

  // (6): one large download, streamed: throughput and the gateway's RSS.
  const downloads: DownloadRow[] = []
  if (run.has('download')) {
    const size = settings.downloadBytes
    const path = `/files/${RESOURCE_KEY}/download?size=${size}`
    const headers = { Authorization: 'Bearer bench', consumerKey: 'bench' }
    const variants: [string, Record<string, string> | undefined][] = [
      ['direct (simulator)', undefined],
      ['gateway (CACHE=off)', { CACHE: 'off' }],
      ['gateway (CACHE=on, memory store)', cacheBuilt ? { CACHE: 'on' } : undefined],
    ]
    for (const [label, env] of variants) {
      if (label.startsWith('gateway') && !env) {
        downloads.push({ label, status: 'skipped: src/cache/ is not built yet' })
        continue
      }
      let gw: Gateway | string | undefined
      try {
        if (env) {
          gw = await tryGateway({ name: 'gateway (download)', upstreamUrl: up0.url, env })
          if (typeof gw === 'string') {
            downloads.push({ label, status: gw })
            continue
          }
          // Warm up the streaming path once, then let the heap settle before the start sample.
          await measureDownload(
            `${gw.url}/files/${RESOURCE_KEY}/download?size=${16 << 20}`,
            headers,
            undefined
          )
          await sleep(500)
        }
        log(`download: ${label}, ${fmt.int(size / 2 ** 20)} MiB`)
        const base = typeof gw === 'object' ? gw.url : up0.url
        const result = await measureDownload(
          base + path,
          headers,
          typeof gw === 'object' ? gw.proc : up0.proc
        )
        const ok = result.status === 200 && result.bytes === size
        downloads.push({
          label,
          result,
          status: ok ? 'ok' : `status ${result.status}, ${result.bytes} of ${size} bytes`,
        })
        log(
          `download: ${label}: ${fmt.int(result.mibPerS)} MiB/s` +
            (result.rss
              ? `, RSS ${fmt.mb(result.rss.start / 1e6)} → ${fmt.mb(result.rss.peak / 1e6)} → ${fmt.mb(result.rss.end / 1e6)} MB`
              : '')
        )
      } catch (error) {
        downloads.push({ label, status: `failed: ${errorLine(error)}` })
      } finally {
        await stopGateways(gw)
      }
    }
  }

  // Optional: where the gateway's CPU goes, from separate profiled runs (not in the tables).
  const profiles: ProfileSummary[] = []
  if (settings.cpuProfile) {
    const sink = tracingBuilt ? await startOtlpSink() : undefined
    const variants: [string, Record<string, string>, boolean][] = [
      ['proxy, CACHE=off, upstream 0 ms', { CACHE: 'off' }, false],
      ...(cacheBuilt
        ? [
            ['cache hit, memory store', { CACHE: 'on' }, true] as [
              string,
              Record<string, string>,
              boolean,
            ],
          ]
        : []),
      ...(sink
        ? [
            [
              'tracing on (OTLP/HTTP, always_on), CACHE=off',
              {
                CACHE: 'off',
                OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
                OTEL_TRACES_SAMPLER: 'always_on',
              },
              false,
            ] as [string, Record<string, string>, boolean],
          ]
        : []),
    ]
    for (const [title, env, expectHit] of variants) {
      const dir = mkdtempSync(join(tmpdir(), 'drive-gateway-cpuprof-'))
      const gw = await tryGateway({
        name: `gateway (profiled: ${title})`,
        upstreamUrl: up0.url,
        env,
        nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      })
      if (typeof gw === 'string') {
        log(`profile ${title}: ${gw}`)
        continue
      }
      log(`profiling the gateway (${title}) for ${settings.durationS + settings.warmupS} s`)
      await measureScenario({ ...ctx, settings: { ...settings, rounds: 1 } }, 'profile', [
        gatewayTarget(
          'profiled',
          `gateway --cpu-prof (${title})`,
          gw,
          { upstream: up0.proc },
          { expectHit }
        ),
      ])
      await gw.proc.stop(10_000)
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
      if (file) profiles.push({ ...summariseProfile(join(dir, file), ROOT), title })
      else log(`profile ${title}: no .cpuprofile was written (did the gateway exit cleanly?)`)
    }
    await sink?.proc.stop()
  }

  await stopAll()

  // Report.
  const rowsByScenario = scenarios.map((s) => ({ scenario: s, rows: rowsOf(s) }))
  const find = (key: string, id: string): Row | undefined =>
    rowsByScenario.find((x) => x.scenario.key === key)?.rows.find((r) => r.id === id)
  const checks = targetChecks(find, downloads, settings)
  const noisy = Math.max(
    0,
    ...rowsByScenario.flatMap(({ rows }) => rows.map((r) => r.maxForeignCores ?? 0))
  )
  const parts = [
    `## drive-gateway benchmark${settings.quick ? ' (quick smoke run)' : ''}`,
    '',
    `${meta.date} · git ${gitInfo.commit}${gitInfo.dirtyFiles ? ` (+${gitInfo.dirtyFiles} uncommitted)` : ''} · Node ${meta.node} · ${meta.nginx} · ${meta.wrk.split(' [')[0]} · ${meta.redis.split(' sha=')[0]} · ${meta.cpu}`,
    '',
    `Load: ${meta.load}. Medians over rounds; ratios are medians of per-round paired ratios. CPU µs/req = utime+stime from /proc per request (nginx: master + worker; "sys": the kernel's share, stime; "others": the simulator, Redis, the OTLP sink). Peak RSS: VmRSS sampled every 200 ms under load. "Other load": the most CPU (cores, averaged over a run) that processes not started by the bench used during a run of that row; a run above ${settings.maxForeignCores} was redone once while the bench's patience (${settings.patienceS} s of waits and redos) lasted. Gateway: \`${meta.gatewayCommand}\`, LOG_LEVEL=warn.`,
    '',
    ...(noisy > settings.maxForeignCores
      ? [
          `**Noisy run:** other processes used up to ${noisy.toFixed(2)} of ${cpuCount()} cores during some runs even after a redo; rps and latency of those rows are not trustworthy (CPU µs/req less affected).`,
          '',
        ]
      : []),
    ...rowsByScenario.map(({ scenario, rows }) => scenarioMarkdown(scenario, rows)),
    ...(downloads.length ? [downloadMarkdown(downloads, settings.downloadBytes)] : []),
    checksMarkdown(checks),
    ...profiles.map(profileMarkdown),
  ]
  const markdown = parts.join('\n')
  const stamp =
    meta.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z') + (settings.quick ? '-quick' : '')
  const json = {
    meta,
    settings: { ...settings, scenarios: [...settings.scenarios] },
    scenarios: rowsByScenario.map(({ scenario, rows }) => ({
      key: scenario.key,
      title: scenario.title,
      refs: scenario.refs,
      notes: scenario.notes,
      rows: rows.map((r) => ({
        ...r,
        warmup: scenario.results.find((x) => x.target.id === r.id)?.warmup,
      })),
    })),
    downloads,
    tracingSink,
    checks,
    profiles,
  }
  const files = writeResults(settings.outDir, stamp, json, markdown)
  console.log(markdown)
  log(`wrote ${files.map((f) => f.replace(ROOT, '')).join(', ')}`)
}

try {
  await main()
} catch (error) {
  process.stderr.write(`bench: failed: ${(error as Error)?.stack ?? String(error)}\n`)
  await stopAll()
  process.exit(1)
}
