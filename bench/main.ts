// `npm run bench` (`-- --quick` for development): drive-gateway beside its peers under the same
// wrk load (keep-alive, fixed connections, alternating rounds): the Node floor (node:http +
// undici.request), fastify + @fastify/http-proxy, nginx proxy_pass and proxy_cache, and the
// upstream itself; cache hits (memory, Redis), tracing (all sampled, ratio 0.1), a 20 ms upstream,
// the V8 heap flags A/B and a 1 GiB download. Prints Markdown tables and the targets of issue 12,
// and writes bench/results/<date>.json|md and latest.md. Settings: see bench/settings.ts.
import { execFileSync, spawnSync } from 'node:child_process'
import { accessSync, constants, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { targetChecks } from './checks.ts'
import { median } from './report.ts'
import type { MeasureContext } from './measure.ts'
import { UPSTREAM_BODY, startNginx } from './nginx.ts'
import { cpuCount, cpuModel, loadAvg1 } from './proc-stats.ts'
import { freePort, installCleanup, stopAll, type Proc } from './procs.ts'
import { summariseProfile, type ProfileSummary } from './profile.ts'
import {
  checksMarkdown,
  downloadMarkdown,
  heapMarkdown,
  profileMarkdown,
  rowsOf,
  scenarioMarkdown,
  writeResults,
  type DownloadRow,
  type Row,
  type ScenarioResult,
} from './report.ts'
import {
  HEADERS,
  downloadRows,
  errorLine,
  gatewayTarget,
  heapScenario,
  latencyScenario,
  proxyScenario,
  tryGateway,
  type BenchContext,
  type NginxFront,
  type TracingAccount,
} from './scenarios.ts'
import { measureScenario } from './measure.ts'
import {
  ROOT,
  ensureBuilt,
  gatewayArgs,
  startOtlpSink,
  startRedis,
  startSimulator,
  type Upstream,
} from './servers.ts'
import { SETTINGS_HELP, SettingsError, readSettings, type Settings } from './settings.ts'

const INSTALL_HINT =
  'install them with: sudo apt-get update && sudo apt-get install -y wrk nginx redis-server'

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

function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')) as {
      version: string
    }
    return pkg.version
  } catch {
    return 'missing'
  }
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

/** Node flags of the image's CMD (deploy/Dockerfile), to show whether they match npm start's. */
function imageFlags(): string[] | undefined {
  try {
    const text = readFileSync(`${ROOT}deploy/Dockerfile`, 'utf8')
    const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(text)
    if (!cmd) return undefined
    const words = JSON.parse(cmd[1]!) as string[]
    return words
      .slice(1, -1)
      .filter(
        (w, i, all) =>
          w.startsWith('--') && !/^--(import|require)$/.test(w) && all[i - 1] !== '--import'
      )
  } catch {
    return undefined
  }
}

const started = Date.now()
function log(message: string): void {
  const s = ((Date.now() - started) / 1000).toFixed(0).padStart(4)
  process.stderr.write(`[${s}s] ${message}\n`)
}

/** The cheapest upstream: nginx `return 200` with a 421 B JSON body, as its own nginx. */
async function nginxUpstream(nginxBin: string, dir: string): Promise<Upstream> {
  const port = await freePort()
  const proc = await startNginx('nginx upstream', nginxBin, dir, [{ kind: 'return', port }])
  return {
    proc,
    url: `http://127.0.0.1:${port}`,
    port,
    latencyMs: 0,
    label: `nginx return 200 (${Buffer.byteLength(UPSTREAM_BODY)} B JSON)`,
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  let settings: Settings
  try {
    settings = readSettings(process.env, ROOT, argv)
  } catch (error) {
    if (error instanceof SettingsError) fail(`${error.message}\n\n${SETTINGS_HELP}`)
    throw error
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(SETTINGS_HELP)
    return
  }
  if (process.platform !== 'linux') fail('needs Linux (/proc) for CPU and memory accounting')
  const wrk = findBinary('wrk')
  const nginxBin = findBinary('nginx')
  const redisBin = findBinary('redis-server')
  const missing = [!wrk && 'wrk', !nginxBin && 'nginx'].filter(Boolean)
  if (missing.length > 0) fail(`${missing.join(' and ')} not found; ${INSTALL_HINT}`)
  if (!redisBin) log(`redis-server not found: Redis rows will be skipped (${INSTALL_HINT})`)
  try {
    ensureBuilt(log)
  } catch (error) {
    fail(errorLine(error))
  }

  installCleanup()
  const tmpDir = mkdtempSync(join(tmpdir(), 'drive-gateway-bench-'))
  process.on('exit', () => rmSync(tmpDir, { recursive: true, force: true }))
  const measure: MeasureContext = {
    settings,
    patience: { remainingS: settings.patienceS },
    wrk: wrk!,
    tmpDir,
    headers: HEADERS,
    log,
  }
  const bench: BenchContext = {
    measure,
    gatewayNodeFlags: settings.gatewayNodeFlags,
    cpus: cpuCount(),
    log,
  }
  const run = settings.scenarios
  const gitInfo = gitState()
  const command = gatewayArgs()
  const shipped = [...command.startFlags, ...settings.gatewayNodeFlags]
  const image = imageFlags()

  const meta = {
    date: new Date().toISOString(),
    quick: settings.quick,
    git: gitInfo,
    node: process.version,
    gatewayCommand:
      command.from +
      (settings.gatewayNodeFlags.length ? ` + ${settings.gatewayNodeFlags.join(' ')}` : ''),
    shippedFlags: shipped,
    imageFlags: image,
    nginx: versionOf(nginxBin!, ['-v']),
    wrk: versionOf(wrk!, ['-v']),
    redis: redisBin ? versionOf(redisBin, ['--version']) : 'not installed',
    peers: {
      undici: packageVersion('undici'),
      fastify: packageVersion('fastify'),
      '@fastify/http-proxy': packageVersion('@fastify/http-proxy'),
      '@fastify/reply-from': packageVersion('@fastify/reply-from'),
    },
    cpu: `${cpuCount()} × ${cpuModel()}`,
    loadAvgStart: loadAvg1(),
    loadAvgEnd: NaN,
    load: `wrk -t${settings.threads} -c${settings.connections} (keep-alive), ${settings.durationS} s per run after ${settings.warmupS} s warm-up, ${settings.rounds} alternating round(s); GET /files/{resourceKey} with Authorization + consumerKey`,
  }
  log(
    `drive-gateway bench${settings.quick ? ' (quick)' : ''}: ${meta.load}; git ${gitInfo.commit}` +
      (gitInfo.dirtyFiles ? ` + ${gitInfo.dirtyFiles} uncommitted file(s)` : '') +
      `; load average ${meta.loadAvgStart}`
  )

  const L = settings.latencyMs
  const mainTable = run.has('proxy') || run.has('cache') || run.has('tracing')
  log(`starting the upstreams (${settings.upstream} at 0 ms, simulator at ${L} ms) and nginx`)
  const up0 =
    settings.upstream === 'nginx'
      ? await nginxUpstream(nginxBin!, join(tmpDir, 'nginx-upstream'))
      : await startSimulator(0)
  const upL = run.has('latency') ? await startSimulator(L) : undefined
  const [proxy0, cache0, proxyL] = [await freePort(), await freePort(), await freePort()]
  const nginxProc = await startNginx('nginx', nginxBin!, join(tmpDir, 'nginx'), [
    { kind: 'proxy', port: proxy0, upstreamPort: up0.port },
    { kind: 'cache', port: cache0, upstreamPort: up0.port },
    ...(upL ? [{ kind: 'proxy' as const, port: proxyL, upstreamPort: upL.port }] : []),
  ])

  const scenarios: ScenarioResult[] = []
  let tracing: TracingAccount[] = []
  if (mainTable) {
    const redis = run.has('cache') && redisBin ? await startRedis(redisBin) : undefined
    const front: NginxFront = { proc: nginxProc, proxyPort: proxy0, cachePort: cache0 }
    const result = await proxyScenario(bench, {
      up: up0,
      nginx: front,
      redisUrl: redis?.url,
      redisProc: redis?.proc,
      withGateway: run.has('proxy'),
      withCache: run.has('cache'),
      withTracing: run.has('tracing'),
    })
    scenarios.push(result.scenario)
    tracing = result.tracing
    await redis?.proc.stop()
  }
  if (upL) {
    scenarios.push(
      await latencyScenario(
        bench,
        upL,
        { proc: nginxProc, proxyPort: proxyL },
        settings.connections
      )
    )
    await upL.proc.stop()
  }
  if (run.has('heap')) {
    scenarios.push(await heapScenario(bench, up0, shipped, settings.heapVariants))
  }
  let downloads: DownloadRow[] = []
  if (run.has('download')) {
    const sim = settings.upstream === 'simulator' ? up0 : await startSimulator(0)
    downloads = await downloadRows(bench, sim, settings.downloadBytes)
    if (sim !== up0) await sim.proc.stop()
  }
  const profiles = settings.cpuProfile ? await runProfiles(bench, up0, measure) : []
  await stopAll()
  meta.loadAvgEnd = loadAvg1()

  // Report.
  const rowsByScenario = scenarios.map((s) => ({ scenario: s, rows: rowsOf(s) }))
  const find = (key: string, id: string): Row | undefined =>
    rowsByScenario.find((x) => x.scenario.key === key)?.rows.find((r) => r.id === id)
  const checks = targetChecks(find, downloads, settings)
  const allRuns = rowsByScenario.flatMap(({ rows }) => rows.flatMap((r) => r.runs))
  const foreign = allRuns.map((r) => r.foreignCores)
  const noisy = Math.max(0, ...foreign)
  const redone = allRuns.filter((r) => r.discarded).length
  const loads = allRuns.map((r) => r.loadAvg1).filter(Number.isFinite)
  const machineLoad = `Machine load: other processes used ${median(foreign).toFixed(2)} cores in the median run and ${noisy.toFixed(2)} at most, of ${cpuCount()}; ${redone} of ${allRuns.length} runs were redone for it; 1-minute load average ${meta.loadAvgStart} at the start, ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the runs (the bench's own processes included).`
  const parts = [
    `## drive-gateway benchmark${settings.quick ? ' (quick development run: one short round, do not quote)' : ''}`,
    '',
    `${meta.date} · git ${gitInfo.commit}${gitInfo.dirtyFiles ? ` (+${gitInfo.dirtyFiles} uncommitted)` : ''} · Node ${meta.node} · ${meta.nginx} · ${meta.wrk.split(' [')[0]} · ${meta.redis.split(' sha=')[0]} · undici ${meta.peers.undici} · fastify ${meta.peers.fastify} + @fastify/http-proxy ${meta.peers['@fastify/http-proxy']} · ${meta.cpu}`,
    '',
    `Load: ${meta.load}. Medians over rounds; ratios are medians of per-round paired ratios (×X: req/s ÷ X's; CPU ×X: CPU µs/req ÷ X's; p99 ×X: p99 ÷ X's). CPU µs/req = utime+stime from /proc per request of the target's process (nginx: master + worker; "sys": the kernel's share; "others": the upstream, Redis, the OTLP sink). RSS: VmRSS after start-up before any request (idle), the highest sample every 200 ms under load (peak), and a second after the last run (after). "Other load": the most CPU (cores, averaged over a run) that processes not started by the bench used during a run of that row; a run above ${settings.maxForeignCores} was redone once while the bench's patience (${settings.patienceS} s of waits and redos) lasted. Gateway: \`${meta.gatewayCommand}\`, LOG_LEVEL=warn${image && image.join(' ') !== command.startFlags.join(' ') ? `; **the image's CMD has other node flags (${image.join(' ') || 'none'})**` : ''}. Peers run on the same Node binary.`,
    '',
    machineLoad,
    '',
    ...(noisy > settings.maxForeignCores
      ? [
          `**Noisy run:** other processes used up to ${noisy.toFixed(2)} of ${cpuCount()} cores during some runs even after a redo; req/s and latency of those rows are not trustworthy (CPU µs/req less affected).`,
          '',
        ]
      : []),
    checksMarkdown(checks),
    ...rowsByScenario.map(({ scenario, rows }) =>
      scenario.key === 'heap' ? heapMarkdown(scenario, rows) : scenarioMarkdown(scenario, rows)
    ),
    ...(downloads.length ? [downloadMarkdown(downloads, settings.downloadBytes)] : []),
    ...profiles.map(profileMarkdown),
  ]
  const markdown = parts.join('\n')
  const stamp =
    meta.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z') + (settings.quick ? '-quick' : '')
  const json = {
    meta,
    settings: { ...settings, scenarios: [...settings.scenarios] },
    machineLoad,
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
    tracing,
    checks,
    profiles,
  }
  const files = writeResults(settings.outDir, stamp, json, markdown, settings.quick)
  console.log(markdown)
  log(`wrote ${files.map((f) => f.replace(ROOT, '')).join(', ')}`)
}

/** Optional: where the gateway's CPU goes, from separate profiled runs (not in the tables). */
async function runProfiles(
  bench: BenchContext,
  up: Upstream,
  measure: MeasureContext
): Promise<ProfileSummary[]> {
  const profiles: ProfileSummary[] = []
  const sink = await startOtlpSink()
  const variants: [string, Record<string, string>, boolean][] = [
    ['proxy, CACHE=off, upstream 0 ms', { CACHE: 'off' }, false],
    ['cache hit, memory store', { CACHE: 'on', CACHE_TTL_SECONDS: '60' }, true],
    [
      'tracing on (OTLP/HTTP, always_on), CACHE=off',
      { CACHE: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'always_on' },
      false,
    ],
  ]
  for (const [title, env, expectHit] of variants) {
    const dir = mkdtempSync(join(tmpdir(), 'drive-gateway-cpuprof-'))
    const gw = await tryGateway(bench, {
      name: `gateway (profiled: ${title})`,
      upstreamUrl: up.url,
      env,
      nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    })
    if (typeof gw === 'string') {
      bench.log(`profile ${title}: ${gw}`)
      continue
    }
    const s = measure.settings
    bench.log(`profiling the gateway (${title}) for ${s.durationS + s.warmupS} s`)
    await measureScenario({ ...measure, settings: { ...s, rounds: 1 } }, 'profile', [
      gatewayTarget(
        'profiled',
        `gateway --cpu-prof (${title})`,
        gw,
        { upstream: up.proc as Proc },
        { expectHit }
      ),
    ])
    await gw.proc.stop(10_000)
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
    if (file) profiles.push({ ...summariseProfile(join(dir, file), ROOT), title })
    else bench.log(`profile ${title}: no .cpuprofile was written (did the gateway exit cleanly?)`)
  }
  await sink.proc.stop()
  return profiles
}

try {
  await main()
} catch (error) {
  process.stderr.write(`bench: failed: ${(error as Error)?.stack ?? String(error)}\n`)
  await stopAll()
  process.exit(1)
}
