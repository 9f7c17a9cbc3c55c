// Benchmark settings from BENCH_* environment variables and `--quick`. The defaults make a full
// run take about eight minutes on 2 cores; `npm run bench -- --quick` (or BENCH_QUICK=1) is a
// smoke run of about two minutes for development: one short round, numbers not to be quoted.

export const SCENARIOS = ['proxy', 'cache', 'tracing', 'latency', 'heap', 'download'] as const
export type Scenario = (typeof SCENARIOS)[number]

export const UPSTREAMS = ['nginx', 'simulator'] as const
export type UpstreamKind = (typeof UPSTREAMS)[number]

/** The V8 heap flag sets the heap A/B tries by default (the shipped flags always come first). */
export const DEFAULT_HEAP_VARIANTS: readonly (readonly string[])[] = [
  ['--max-semi-space-size=16'],
  ['--max-semi-space-size=4'],
  ['--max-semi-space-size=2'],
]

export interface Settings {
  readonly quick: boolean
  /** Seconds of each measured wrk run. */
  readonly durationS: number
  /** Seconds of the unrecorded warm-up run of each target. */
  readonly warmupS: number
  readonly rounds: number
  readonly connections: number
  readonly threads: number
  /** The 0 ms upstream: nginx `return 200` (421 B JSON; cheapest) or the Drive API simulator. */
  readonly upstream: UpstreamKind
  /** Simulated upstream latency of the added-latency scenario, ms. */
  readonly latencyMs: number
  readonly downloadBytes: number
  /** Longest wait for an idle box before each run, seconds. */
  readonly idleWaitS: number
  /** Foreign CPU (cores, averaged over a run) above which a run is redone once. */
  readonly maxForeignCores: number
  /** Total seconds the bench may spend waiting for an idle box and redoing runs. */
  readonly patienceS: number
  readonly scenarios: ReadonlySet<Scenario>
  /** Flag sets tried by the heap A/B besides the shipped flags. */
  readonly heapVariants: readonly (readonly string[])[]
  /** Also profile the gateway with `node --cpu-prof` (an extra run; not in the table). */
  readonly cpuProfile: boolean
  /** Extra node flags for every gateway process, e.g. `--max-semi-space-size=8`. */
  readonly gatewayNodeFlags: readonly string[]
  readonly outDir: string
}

export class SettingsError extends Error {
  override name = 'SettingsError'
}

function num(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  { min = 0, integer = false } = {}
): number {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new SettingsError(
      `${name}=${JSON.stringify(raw)}: expected ${integer ? 'an integer' : 'a number'} >= ${min}`
    )
  }
  return n
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase()
  if (raw === '' || raw === '0' || raw === 'false' || raw === 'no') return false
  if (raw === '1' || raw === 'true' || raw === 'yes') return true
  throw new SettingsError(`${name}=${JSON.stringify(env[name])}: expected 1 or 0`)
}

function oneOf<T extends string>(
  env: NodeJS.ProcessEnv,
  name: string,
  values: readonly T[],
  fallback: T
): T {
  const raw = (env[name] ?? '').trim()
  if (raw === '') return fallback
  if (!(values as readonly string[]).includes(raw)) {
    throw new SettingsError(`${name}=${JSON.stringify(raw)}: expected one of ${values.join(', ')}`)
  }
  return raw as T
}

/** `BENCH_HEAP_VARIANTS`: flag sets separated by `;`, flags within a set by spaces. */
function heapVariants(env: NodeJS.ProcessEnv): readonly (readonly string[])[] {
  const raw = env.BENCH_HEAP_VARIANTS
  if (raw === undefined || raw.trim() === '') return DEFAULT_HEAP_VARIANTS
  const sets = raw
    .split(';')
    .map((s) => s.trim().split(/\s+/).filter(Boolean))
    .filter((s) => s.length > 0)
  for (const set of sets) {
    for (const f of set) {
      if (!/^--[a-z0-9-]+(=[A-Za-z0-9._-]+)?$/.test(f)) {
        throw new SettingsError(
          `BENCH_HEAP_VARIANTS=${JSON.stringify(raw)}: ${JSON.stringify(f)} is not a node flag like --max-semi-space-size=8`
        )
      }
    }
  }
  return sets
}

export function readSettings(
  env: NodeJS.ProcessEnv,
  root: string,
  argv: readonly string[] = []
): Settings {
  const unknown = argv.filter((a) => !['--quick', '--help', '-h'].includes(a))
  if (unknown.length > 0) {
    throw new SettingsError(`unknown argument ${unknown.join(' ')}: expected --quick or --help`)
  }
  const quick = argv.includes('--quick') || flag(env, 'BENCH_QUICK')
  const only = (env.BENCH_ONLY ?? '').trim()
  const scenarios = new Set<Scenario>()
  if (only === '') SCENARIOS.forEach((s) => scenarios.add(s))
  else
    for (const word of only.split(',').map((w) => w.trim())) {
      if (!(SCENARIOS as readonly string[]).includes(word)) {
        throw new SettingsError(
          `BENCH_ONLY=${JSON.stringify(only)}: expected a comma-separated list of ${SCENARIOS.join(', ')}`
        )
      }
      scenarios.add(word as Scenario)
    }
  return {
    quick,
    durationS: num(env, 'BENCH_DURATION_S', quick ? 2 : 5, { min: 1, integer: true }),
    warmupS: num(env, 'BENCH_WARMUP_S', quick ? 1 : 2, { min: 1, integer: true }),
    rounds: num(env, 'BENCH_ROUNDS', quick ? 1 : 3, { min: 1, integer: true }),
    connections: num(env, 'BENCH_CONNECTIONS', 32, { min: 1, integer: true }),
    threads: num(env, 'BENCH_THREADS', 1, { min: 1, integer: true }),
    upstream: oneOf(env, 'BENCH_UPSTREAM', UPSTREAMS, 'nginx'),
    latencyMs: num(env, 'BENCH_LATENCY_MS', 20),
    downloadBytes: num(env, 'BENCH_DOWNLOAD_MIB', quick ? 256 : 1024, { min: 1 }) * 1024 * 1024,
    idleWaitS: num(env, 'BENCH_IDLE_WAIT_S', quick ? 2 : 5),
    maxForeignCores: num(env, 'BENCH_MAX_FOREIGN_CORES', 0.3),
    patienceS: num(env, 'BENCH_PATIENCE_S', quick ? 15 : 90),
    scenarios,
    heapVariants: heapVariants(env),
    cpuProfile: flag(env, 'BENCH_CPU_PROF'),
    gatewayNodeFlags: (env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
    outDir: env.BENCH_OUT_DIR?.trim() || `${root}bench/results`,
  }
}

export const SETTINGS_HELP = `Usage: npm run bench [-- --quick]

  --quick                    smoke run for development (~2 min): 2 s runs, 1 round, 256 MiB download

Settings (environment):
  BENCH_QUICK=1              same as --quick
  BENCH_DURATION_S           seconds per measured run (5; quick 2)
  BENCH_WARMUP_S             seconds of warm-up per target (2; quick 1)
  BENCH_ROUNDS               alternating rounds (3; quick 1)
  BENCH_CONNECTIONS          wrk connections (32), BENCH_THREADS wrk threads (1)
  BENCH_UPSTREAM             the 0 ms upstream: nginx (return 200, a 421 B JSON; default) or simulator
  BENCH_LATENCY_MS           simulated upstream latency of the added-latency scenario (20)
  BENCH_DOWNLOAD_MIB         download size (1024; quick 256)
  BENCH_IDLE_WAIT_S          longest wait for an idle box before a run (5; quick 2)
  BENCH_MAX_FOREIGN_CORES    redo a run once when other processes used more (0.3)
  BENCH_PATIENCE_S           total time for such waits and redos, then runs go on regardless (90; quick 15)
  BENCH_ONLY                 comma-separated subset of: ${SCENARIOS.join(', ')}
  BENCH_HEAP_VARIANTS        node flag sets the heap A/B tries, ';'-separated
                             (${DEFAULT_HEAP_VARIANTS.map((v) => v.join(' ')).join('; ')})
  BENCH_CPU_PROF=1           also profile the gateway with node --cpu-prof and print where CPU goes
  BENCH_GATEWAY_NODE_FLAGS   extra node flags for every gateway process (e.g. --max-semi-space-size=8)
  BENCH_OUT_DIR              where results go (bench/results)`
