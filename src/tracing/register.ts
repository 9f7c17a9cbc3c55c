/**
 * Preload for `npm start`: `node --import ./src/tracing/register.ts src/main.ts`.
 *
 * Reads the `OTEL_*` variables once (`readTelemetryEnv`) and, before the gateway starts:
 * - starts the OpenTelemetry SDK for traces when an exporter is configured; `startFromConfig`
 *   then makes spans with it;
 * - prepares the OTLP metrics push when `OTEL_METRICS_EXPORTER=otlp`; `startFromConfig` starts
 *   it on the gateway's registry.
 * Without either, no SDK is even loaded, so telemetry costs next to nothing. A bad `OTEL_*`
 * value stops start-up with one line, like any other setting; a set variable that does nothing
 * here is said once on stderr.
 */
import { ConfigError } from '../config/errors.ts'
import { readTelemetryEnv, type TelemetryEnv } from '../telemetry/env.ts'
import { setActiveMetricsPush } from '../telemetry/runtime.ts'
import { setActiveTracing } from './runtime.ts'

function fail(error: unknown): never {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`drive-gateway: ${error.message}\n`)
  process.exit(2)
}

let telemetry: TelemetryEnv
try {
  telemetry = readTelemetryEnv(process.env)
} catch (error) {
  fail(error)
}
for (const { name, reason } of telemetry.ignored) {
  process.stderr.write(`drive-gateway: warning: ${name} is ignored: ${reason}\n`)
}
if (telemetry.traces || telemetry.metrics) {
  const { telemetryResource } = await import('../telemetry/resource.ts')
  let resource
  try {
    resource = telemetryResource(process.env)
  } catch (error) {
    fail(error)
  }
  if (telemetry.traces) {
    const { startTracingSdk } = await import('./sdk.ts')
    const setup = startTracingSdk(resource)
    if (!setup) process.stderr.write('drive-gateway: the tracing SDK made no exporter; no spans\n')
    setActiveTracing(setup)
  } else {
    // The Node SDK sets up OTEL_LOG_LEVEL's diagnostic logger itself; without it, the push does.
    const { diagLogger } = await import('../telemetry/diag.ts')
    diagLogger(process.env)
  }
  if (telemetry.metrics) {
    const { createOtlpMetricsPush } = await import('../telemetry/otlp-push.ts')
    setActiveMetricsPush(await createOtlpMetricsPush(telemetry.metrics, resource))
  }
}
