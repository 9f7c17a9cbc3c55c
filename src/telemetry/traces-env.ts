import { ConfigError } from '../config/errors.ts'

type Env = Readonly<Record<string, string | undefined>>

// What the OpenTelemetry Node SDK can build from OTEL_TRACES_EXPORTER and the OTLP protocol.
const EXPORTERS = new Set(['otlp', 'console', 'zipkin', 'none'])
const PROTOCOLS = new Set(['http/protobuf', 'http/json', 'grpc'])

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value ? value : undefined
}

function checkProtocol(env: Env, name: string): void {
  const value = read(env, name)
  if (value !== undefined && !PROTOCOLS.has(value)) {
    throw new ConfigError(name, value, 'http/protobuf, http/json or grpc')
  }
}

/**
 * Whether spans are made (README, Tracing): only when an exporter is configured, by
 * `OTEL_TRACES_EXPORTER` or an OTLP endpoint, and `OTEL_SDK_DISABLED` is not `true`. The SDK's
 * own default (OTLP to localhost:4318 whatever is set) would export to nobody. Values the SDK
 * would only warn about stop start-up instead, like every other bad setting.
 *
 * @throws {ConfigError} an unknown exporter or OTLP protocol
 */
export function tracingEnabled(env: Env): boolean {
  checkProtocol(env, 'OTEL_EXPORTER_OTLP_PROTOCOL')
  checkProtocol(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
  const exporters = read(env, 'OTEL_TRACES_EXPORTER')
  // OpenTelemetry's boolean variables: only a case-insensitive "true" is true. Checked after the
  // values above, so a typo stops start-up whether or not the SDK is switched off.
  const disabled = read(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true'
  if (exporters !== undefined) {
    const names = exporters.split(',').map((name) => name.trim())
    // The SDK would quietly turn "none" combined with others into "otlp".
    if (
      names.some((name) => !EXPORTERS.has(name)) ||
      (names.length > 1 && names.includes('none'))
    ) {
      throw new ConfigError(
        'OTEL_TRACES_EXPORTER',
        exporters,
        'otlp, console, zipkin, or none alone'
      )
    }
    return !disabled && names[0] !== 'none'
  }
  if (disabled) return false
  return (
    read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined ||
    read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined
  )
}
