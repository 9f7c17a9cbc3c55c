import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { DASHBOARDS } from '../dashboards/src/index.ts'
import { composeValidator } from './helpers/ops/compose-schema.ts'
import { ROOT } from './helpers/ops/promql.ts'
import { promtool } from './helpers/ops/promtool.ts'

interface Service {
  image?: string
  build?: { context: string; dockerfile: string }
  command?: string[]
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  depends_on?: Record<string, { condition: string }> | string[]
  healthcheck?: { test?: string[]; disable?: boolean }
}

const text = readFileSync(ROOT + 'docker-compose.yml', 'utf8')
// `merge: true` expands the `<<: *gateway-image` anchors as Compose does.
const compose = parse(text, { merge: true }) as { services: Record<string, Service> }
const services = compose.services
function yamlFile<T>(path: string): T {
  return parse(readFileSync(ROOT + path, 'utf8')) as T
}

type Endpoints = Record<string, { endpoint: string } | undefined>
const collector = yamlFile<{
  receivers: { otlp: { protocols: Endpoints } }
  exporters: Record<string, { endpoint: string }>
  service: { pipelines: { traces: { exporters: string[] } } }
}>('deploy/otel-collector/config.yaml')
const tempo = yamlFile<{
  distributor: { receivers: { otlp: { protocols: Endpoints } } }
  server: { http_listen_port: number }
}>('deploy/tempo/tempo.yaml')
const { datasources } = yamlFile<{
  datasources: {
    uid: string
    type: string
    url: string
    jsonData: { exemplarTraceIdDestinations?: object[] }
  }[]
}>('deploy/grafana/provisioning/datasources/datasources.yaml')

/** `./host/path:/container/path[:ro]` bind mounts of a service. */
function mounts(service: Service): { host: string; container: string }[] {
  return (service.volumes ?? []).map((v) => {
    const [host, container] = v.split(':') as [string, string]
    return { host, container }
  })
}

describe('docker-compose.yml', () => {
  it('Should be valid against the Compose Specification schema', () => {
    const validate = composeValidator()
    // Compose resolves `<<` merge keys while loading, before it validates.
    const ok = validate(parse(text, { merge: true }))
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([])
    expect(ok).toBe(true)
  })

  it('Should reject a broken file (the schema check itself works)', () => {
    const validate = composeValidator()
    const broken = parse(text, { merge: true }) as { services: Record<string, object> }
    broken.services.gateway = { ...broken.services.gateway, port: ['8080:8080'] }
    expect(validate(broken)).toBe(false)
  })

  it('Should run the whole picture', () => {
    for (const name of [
      'gateway',
      'simulator',
      'redis',
      'prometheus',
      'grafana',
      'otel-collector',
      'tempo',
      'alertmanager',
      'alert-sink',
    ]) {
      expect(services, name).toHaveProperty(name)
    }
  })

  it('Should bind-mount only files that exist in the repository', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const { host } of mounts(service)) {
        expect(existsSync(ROOT + host), `${name} mounts missing ${host}`).toBe(true)
      }
    }
    expect(existsSync(ROOT + services.gateway!.build!.dockerfile)).toBe(true)
  })

  it('Should depend only on services that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      const deps = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {})
      for (const dep of deps) expect(services, `${name} depends on ${dep}`).toHaveProperty(dep)
    }
  })

  it('Should wire the gateway to the simulator, Redis and the collector', () => {
    const env = services.gateway!.environment!
    const simPort = services.simulator!.environment!.SIM_PORT
    expect(env.UPSTREAM_URL).toBe(`http://simulator:${simPort}`)
    expect(services.simulator!.environment!.SIM_HOST).toBe('0.0.0.0')
    // Inside a container, 127.0.0.1 would be unreachable from the other services.
    expect(env.HOST).toBe('0.0.0.0')
    expect(env.REDIS_URL).toBe('redis://redis:6379')
    const httpPort = collector.receivers.otlp.protocols.http!.endpoint.split(':')[1]
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://otel-collector:${httpPort}`)
    expect(services.gateway!.ports).toContain('127.0.0.1:9464:9464')
  })

  it('Should send traces from the collector to Tempo on a port Tempo listens on', () => {
    const [exporter] = collector.service.pipelines.traces.exporters
    const tempoGrpc = tempo.distributor.receivers.otlp.protocols.grpc!.endpoint.split(':')[1]
    expect(collector.exporters[exporter!]!.endpoint).toBe(`tempo:${tempoGrpc}`)
    const tempoDs = datasources.find((d) => d.type === 'tempo')!
    expect(tempoDs.url).toBe(`http://tempo:${tempo.server.http_listen_port}`)
  })

  it('Should link Prometheus exemplars (trace_id) to the Tempo datasource', () => {
    const prom = datasources.find((d) => d.type === 'prometheus')!
    const tempoDs = datasources.find((d) => d.type === 'tempo')!
    expect(prom.jsonData.exemplarTraceIdDestinations).toEqual([
      { name: 'trace_id', datasourceUid: tempoDs.uid },
    ])
  })

  it('Should provision every generated dashboard into Grafana', () => {
    const provider = yamlFile<{ providers: { options: { path: string } }[] }>(
      'deploy/grafana/provisioning/dashboards/dashboards.yaml'
    ).providers[0]!
    const mount = mounts(services.grafana!).find((m) => m.container === provider.options.path)
    expect(mount, 'the provider path is not mounted').toBeDefined()
    for (const { file } of DASHBOARDS) {
      expect(file.startsWith(mount!.host.replace(/^\.\//, '') + '/')).toBe(true)
    }
    const home = services.grafana!.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!
    expect(home.startsWith(provider.options.path)).toBe(true)
    expect(existsSync(ROOT + home.replace(provider.options.path, mount!.host))).toBe(true)
  })

  it('Should load the tested rule file into Prometheus', async () => {
    const prom = mounts(services.prometheus!)
    const config = prom.find((m) => m.container.endsWith('prometheus.yml'))!
    const rules = prom.find((m) => m.container.endsWith('rules.yml'))!
    expect(rules.host).toBe('./deploy/prometheus/rules.yml')
    // rule_files resolve against the config file's directory, in the container and here alike.
    const configDir = config.container.slice(0, config.container.lastIndexOf('/') + 1)
    const ruleFiles = yamlFile<{ rule_files: string[] }>(config.host).rule_files
    expect(ruleFiles.map((f) => configDir + f)).toContain(rules.container)
    const { code, output } = await promtool(['check', 'config', config.host], ROOT)
    expect(output).toContain('SUCCESS')
    expect(code).toBe(0)
  })

  it('Should send alerts to Alertmanager, which routes them to the alert sink', () => {
    const prom = mounts(services.prometheus!).find((m) => m.container.endsWith('prometheus.yml'))!
    const config = yamlFile<{
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] }
    }>(prom.host)
    const targets = config.alerting.alertmanagers.flatMap((a) =>
      a.static_configs.flatMap((c) => c.targets)
    )
    const amPort = services.alertmanager!.ports![0]!.split(':').at(-1)
    expect(targets).toEqual([`alertmanager:${amPort}`])
    // The generated routing and its template, side by side where the config's paths resolve.
    const am = mounts(services.alertmanager!)
    const configMount = am.find((m) => m.host === './deploy/alertmanager/alertmanager.yml')!
    const flag = services.alertmanager!.command!.find((c) => c.startsWith('--config.file='))!
    expect(flag).toBe(`--config.file=${configMount.container}`)
    const amConfig = yamlFile<{
      templates: string[]
      receivers: { webhook_configs: { url: string }[] }[]
    }>(configMount.host)
    const folder = configMount.container.slice(0, configMount.container.lastIndexOf('/') + 1)
    for (const t of amConfig.templates) {
      expect(am.map((m) => m.container)).toContain(folder + t)
    }
    const sinkPort = services['alert-sink']!.environment!.ALERT_SINK_PORT
    for (const r of amConfig.receivers) {
      for (const w of r.webhook_configs) {
        expect(new URL(w.url).host).toBe(`alert-sink:${sinkPort}`)
      }
    }
  })
})

describe('deploy/Dockerfile', () => {
  const dockerfile = readFileSync(ROOT + 'deploy/Dockerfile', 'utf8').replace(/\\\n\s*/g, '')
  const lines = dockerfile.split('\n').filter((l) => l.trim() && !l.startsWith('#'))
  const instructions = (name: string) => lines.filter((l) => l.startsWith(name + ' '))

  it('Should be multi-stage on Node 26 and run as a non-root user', () => {
    expect(instructions('FROM').length).toBeGreaterThanOrEqual(2)
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:26-/m)
    const user = instructions('USER').at(-1)!.split(' ')[1]!
    expect(user).not.toMatch(/^(root|0)(:|$)/)
    expect(user).toMatch(/^\d+:\d+$/)
  })

  it('Should start the gateway as npm start does, from files the build makes', () => {
    const cmd = JSON.parse(instructions('CMD').at(-1)!.slice(4)) as string[]
    const pkg = JSON.parse(readFileSync(ROOT + 'package.json', 'utf8'))
    expect(cmd.join(' ')).toBe(pkg.scripts.start)
    expect(cmd).toContain('--import')
    // npm test builds dist/ before the suite runs, as the image's build stage does.
    for (const file of cmd.filter((a) => a.endsWith('.js'))) {
      expect(existsSync(ROOT + file), file).toBe(true)
    }
  })

  it('Should check health on the admin port it was given', () => {
    const check = instructions('HEALTHCHECK').at(-1)!
    expect(check).toContain('http://127.0.0.1:${process.env.ADMIN_PORT || 9464}/healthz')
  })

  it('Should copy only what exists and leave tests and dev dependencies out', () => {
    for (const copy of instructions('COPY').filter((l) => !l.includes('--from'))) {
      const sources = copy.split(' ').slice(1, -1)
      for (const s of sources) expect(existsSync(ROOT + s), s).toBe(true)
    }
    expect(dockerfile).toContain('npm prune --omit=dev')
    // `npm ci --ignore-scripts` skips postinstall, so the build applies patches/ itself.
    expect(dockerfile).toContain('patch-package/index.js --error-on-fail')
    const ignore = readFileSync(ROOT + 'deploy/Dockerfile.dockerignore', 'utf8')
    expect(ignore).toMatch(/^\*\*$/m)
    expect(ignore).toContain('!patches/**')
    expect(ignore).toContain('src/**/*.test.ts')
  })

  // The image installs `dependencies` only: a runtime import of a devDependency would start in
  // the tests and crash in the container.
  it('Should need no devDependency at run time', () => {
    const pkg = JSON.parse(readFileSync(ROOT + 'package.json', 'utf8')) as {
      dependencies: Record<string, string>
    }
    const files = readdirSync(ROOT + 'src', { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts')
    )
    const runtime = /(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g
    const seen = new Set<string>()
    for (const file of files) {
      const text = readFileSync(ROOT + 'src/' + file, 'utf8')
      for (const m of text.matchAll(runtime)) {
        const spec = m[2] ?? m[3]!
        if (m[1] || spec.startsWith('.') || spec.startsWith('node:')) continue
        const name = spec
          .split('/')
          .slice(0, spec.startsWith('@') ? 2 : 1)
          .join('/')
        expect(pkg.dependencies, `src/${file} imports ${name}`).toHaveProperty([name])
        seen.add(name)
      }
    }
    expect([...seen]).toEqual(expect.arrayContaining(['hono', 'prom-client', 'undici']))
  })
})
