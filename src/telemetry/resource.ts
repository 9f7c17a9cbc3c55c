import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
  type Resource,
  type ResourceDetector,
} from '@opentelemetry/resources'
import pkg from '../../package.json' with { type: 'json' }
import { ConfigError } from '../config/errors.ts'

type Env = Readonly<Record<string, string | undefined>>

// The names the Node SDK takes in OTEL_NODE_RESOURCE_DETECTORS, in its default order.
const DETECTORS: Record<string, ResourceDetector> = {
  serviceinstance: serviceInstanceIdDetector,
  process: processDetector,
  host: hostDetector,
  os: osDetector,
  env: envDetector,
}

function detectors(env: Env): ResourceDetector[] {
  const value = env.OTEL_NODE_RESOURCE_DETECTORS?.trim()
  const names = value ? value.split(',').map((name) => name.trim()) : ['all']
  if (names.includes('all')) return Object.values(DETECTORS)
  if (names.includes('none')) return []
  return names.map((name) => {
    const detector = DETECTORS[name]
    if (!detector) {
      throw new ConfigError(
        'OTEL_NODE_RESOURCE_DETECTORS',
        value!,
        `a list of ${Object.keys(DETECTORS).join(', ')}, or all or none`
      )
    }
    return detector
  })
}

/**
 * The one resource that spans and pushed metrics share, so a backend sees one service
 * instance (`service.instance.id` is random per process). Built as the Node SDK builds its own:
 * `service.name` defaults to `drive-gateway` and `service.version` is the package version;
 * `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` win; OTEL_NODE_RESOURCE_DETECTORS picks
 * the detectors (all by default).
 *
 * @throws {ConfigError} an unknown detector name
 */
export function telemetryResource(env: Env): Resource {
  return defaultResource()
    .merge(
      resourceFromAttributes({ 'service.name': 'drive-gateway', 'service.version': pkg.version })
    )
    .merge(detectResources({ detectors: detectors(env) }))
}
