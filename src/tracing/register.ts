/**
 * Preload for `npm start`: `node --import ./src/tracing/register.ts src/main.ts`.
 *
 * Starts the OpenTelemetry SDK before the gateway when an exporter is configured (see
 * `tracingEnabled`); `startFromConfig` then makes spans with it. Without an exporter the SDK is
 * not even loaded, so tracing costs next to nothing. A bad `OTEL_*` value stops start-up with
 * one line, like any other setting.
 */
import { ConfigError } from '../config/errors.ts'
import { tracingEnabled } from './env.ts'
import { setActiveTracing } from './runtime.ts'

let enabled = false
try {
  enabled = tracingEnabled(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`drive-gateway: ${error.message}\n`)
  process.exit(2)
}
if (enabled) {
  const { startTracingSdk } = await import('./sdk.ts')
  const setup = startTracingSdk()
  if (!setup) process.stderr.write('drive-gateway: the tracing SDK made no exporter; no spans\n')
  setActiveTracing(setup)
}
