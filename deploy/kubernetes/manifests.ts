/**
 * Kubernetes manifests for running the gateway as a native sidecar next to an application,
 * built with kubernetes-models so `.validate()` checks them against the API schemas.
 * `deploy/generate.ts` writes them to `deploy/kubernetes/*.yaml`.
 */

import { Deployment } from 'kubernetes-models/apps/v1'
import { Secret } from 'kubernetes-models/v1'
import type { IContainer, IProbe } from 'kubernetes-models/v1'
import {
  PodMonitor,
  PrometheusRule,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'
import { AlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1'
import { buildRuleGroups, type RuleGroup, type Severity } from '../prometheus/rules.ts'
import {
  GROUP_BY,
  INHIBITIONS,
  RECEIVER,
  routeTiming,
  type AlertRef,
} from '../alertmanager/routing.ts'

export const NAMES = {
  app: 'example-app',
  sidecar: 'drive-gateway',
  secret: 'drive-gateway',
  /** The PodMonitor's name: Prometheus sets `job="<namespace>/drive-gateway"` from it. */
  monitor: 'drive-gateway',
  image: 'drive-gateway:0.1.0',
  /**
   * The Secret holding the receivers' webhook URLs (keys `page-url`, `ticket-url`). Not shipped:
   * create it from your pager and ticket integrations (deploy/README.md shows how).
   */
  receiversSecret: 'drive-gateway-alert-receivers',
} as const

/** Keys of the receivers Secret, per severity. */
export const RECEIVER_SECRET_KEYS: Record<Severity, string> = {
  page: 'page-url',
  ticket: 'ticket-url',
}

/** Pods carrying this label get scraped by the PodMonitor, whatever app they belong to. */
export const SIDECAR_LABEL = { 'drive-gateway.io/sidecar': 'enabled' } as const

/**
 * kube-prometheus-stack selects PodMonitors and PrometheusRules by its Helm release label;
 * change it to match `podMonitorSelector` / `ruleSelector` of your Prometheus.
 */
export const PROMETHEUS_SELECTOR_LABEL = { release: 'kube-prometheus-stack' } as const

export const PORTS = { proxy: 8080, metrics: 9464 } as const

/**
 * Peak RSS of the gateway measured by `npm run bench` (bench/results/*.json, the highest of the
 * recorded runs, in MB of 10^6 bytes): under load without tracing, and with every request traced
 * and exported. `test/ops-kubernetes.test.ts` fails when a recorded run exceeds what the
 * resources below allow, so a new benchmark figure cannot leave the limit behind.
 */
export const MEASURED_PEAK_RSS_MB = { untraced: 382, traced: 384 } as const

const MiB = 1024 * 1024
/** Bytes as a Kubernetes quantity in Mi, rounded up to a multiple of `step` Mi. */
function mebibytes(bytes: number, step: number): string {
  return `${Math.ceil(bytes / MiB / step) * step}Mi`
}

/**
 * Memory request: the untraced peak plus 10 %, so the scheduler reserves what the sidecar uses
 * under load. Limit: the traced peak plus 25 %, so turning tracing on (or a burst of large
 * bodies) does not get the sidecar OOM-killed, and the app's Drive calls with it.
 */
export const SIDECAR_MEMORY = {
  request: mebibytes(MEASURED_PEAK_RSS_MB.untraced * 1e6 * 1.1, 32),
  limit: mebibytes(MEASURED_PEAK_RSS_MB.traced * 1e6 * 1.25, 64),
} as const

/** `SHUTDOWN_DRAIN_MS` plus the time the app needs to stop before the sidecar is signalled. */
const DRAIN_MS = 25_000
const GRACE_SECONDS = 60

function httpProbe(path: string, periodSeconds: number, failureThreshold: number): IProbe {
  return { httpGet: { path, port: 'metrics' }, periodSeconds, failureThreshold, timeoutSeconds: 2 }
}

const secretEnv = (name: string, key: string, optional = false) => ({
  name,
  valueFrom: { secretKeyRef: { name: NAMES.secret, key, optional } },
})

/**
 * The sidecar: an init container with `restartPolicy: Always` (GA in Kubernetes 1.33), so it
 * starts before the app, stays up while the app runs, and stops after it. The app container
 * starts only once the startup probe passes, so its first Drive call already has a proxy.
 */
export function sidecarContainer(): IContainer {
  return {
    name: NAMES.sidecar,
    image: NAMES.image,
    restartPolicy: 'Always',
    ports: [
      { name: 'proxy', containerPort: PORTS.proxy },
      { name: 'metrics', containerPort: PORTS.metrics },
    ],
    env: [
      // API 2.0 base URL; downloads answer 302 to the file host, which the app reaches directly.
      { name: 'UPSTREAM_URL', value: 'https://www.worksapis.com/v1.0' },
      // The proxy listener serves its own pod only; the admin port is scraped from outside.
      { name: 'HOST', value: '127.0.0.1' },
      { name: 'PORT', value: String(PORTS.proxy) },
      { name: 'ADMIN_HOST', value: '0.0.0.0' },
      { name: 'ADMIN_PORT', value: String(PORTS.metrics) },
      { name: 'SHUTDOWN_DRAIN_MS', value: String(DRAIN_MS) },
      secretEnv('REDIS_URL', 'redis-url'),
      // Replicas sharing one Redis need the same key secret to share entries.
      secretEnv('CACHE_KEY_SECRET', 'cache-key-secret'),
      secretEnv('ADMIN_TOKEN', 'admin-token', true),
      { name: 'OTEL_SERVICE_NAME', value: 'drive-gateway' },
      { name: 'OTEL_METRICS_EXPORTER', value: 'none' },
    ],
    // Liveness and startup use /healthz, which depends on nothing outside the process, so a
    // Drive or Redis outage never restarts the sidecar. /readyz turns 503 while draining.
    startupProbe: httpProbe('/healthz', 1, 30),
    readinessProbe: httpProbe('/readyz', 5, 2),
    livenessProbe: httpProbe('/healthz', 10, 3),
    resources: {
      requests: { cpu: '100m', memory: SIDECAR_MEMORY.request },
      limits: { memory: SIDECAR_MEMORY.limit },
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  }
}

export function deployment(): Deployment {
  const labels = { 'app.kubernetes.io/name': NAMES.app, ...SIDECAR_LABEL }
  return new Deployment({
    metadata: { name: NAMES.app, labels: { 'app.kubernetes.io/name': NAMES.app } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': NAMES.app } },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: GRACE_SECONDS,
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          initContainers: [sidecarContainer()],
          containers: [
            {
              name: NAMES.app,
              image: 'registry.example.com/example-app:1.0.0',
              env: [
                // The app talks plain HTTP to the sidecar, which holds the TLS connections.
                { name: 'DRIVE_API_BASE_URL', value: `http://127.0.0.1:${PORTS.proxy}` },
              ],
            },
          ],
        },
      },
    },
  })
}

/** Placeholders: create the real Secret out of band (sealed-secrets, External Secrets, …). */
export function secret(): Secret {
  return new Secret({
    metadata: { name: NAMES.secret },
    type: 'Opaque',
    stringData: {
      'redis-url': 'rediss://:CHANGE_ME@redis.example.svc:6379/0',
      'cache-key-secret': 'CHANGE_ME',
    },
  })
}

/** Scrapes every pod that carries the sidecar label, on the container port named `metrics`. */
export function podMonitor(): PodMonitor {
  return new PodMonitor({
    metadata: { name: NAMES.monitor, labels: { ...PROMETHEUS_SELECTOR_LABEL } },
    spec: {
      selector: { matchLabels: { ...SIDECAR_LABEL } },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    },
  })
}

export function prometheusRule(groups: RuleGroup[] = buildRuleGroups()): PrometheusRule {
  return new PrometheusRule({
    metadata: { name: 'drive-gateway', labels: { ...PROMETHEUS_SELECTOR_LABEL } },
    spec: { groups },
  })
}

const amMatchers = (ref: Partial<AlertRef>) =>
  Object.entries(ref).map(([name, value]) => ({ name, value, matchType: '=' as const }))

/**
 * The routing of `deploy/alertmanager/` as a prometheus-operator AlertmanagerConfig. The operator
 * adds a `namespace` matcher to its route and inhibitions, so it routes the alerts of the
 * namespace it is applied in. Receiver URLs come from a Secret, never from the manifest.
 */
export function alertmanagerConfig(): AlertmanagerConfig {
  const timing = (severity: Severity) => {
    const { groupWait, groupInterval, repeatInterval } = routeTiming(severity)
    return { groupWait, groupInterval, repeatInterval }
  }
  return new AlertmanagerConfig({
    metadata: { name: 'drive-gateway', labels: { ...PROMETHEUS_SELECTOR_LABEL } },
    spec: {
      route: {
        receiver: RECEIVER.ticket,
        groupBy: [...GROUP_BY],
        ...timing('ticket'),
        routes: (['page', 'ticket'] as const).map((severity) => ({
          matchers: amMatchers({ severity }),
          receiver: RECEIVER[severity],
          ...timing(severity),
        })),
      },
      inhibitRules: INHIBITIONS.map((i) => ({
        sourceMatch: amMatchers(i.source),
        targetMatch: amMatchers(i.target),
        equal: [...i.equal],
      })),
      receivers: (['page', 'ticket'] as const).map((severity) => ({
        name: RECEIVER[severity],
        webhookConfigs: [
          {
            urlSecret: { name: NAMES.receiversSecret, key: RECEIVER_SECRET_KEYS[severity] },
            sendResolved: true,
          },
        ],
      })),
    },
  })
}
