import { diag, DiagConsoleLogger } from '@opentelemetry/api'
import { diagLogLevelFromString } from '@opentelemetry/core'

/**
 * `OTEL_LOG_LEVEL`: the SDK's own diagnostics (a failed push, say) on the console, as the Node
 * SDK sets them up when it runs. Unset, the SDK stays silent.
 */
export function diagLogger(env: Readonly<Record<string, string | undefined>>): void {
  const level = env.OTEL_LOG_LEVEL?.trim()
  if (!level) return
  diag.setLogger(new DiagConsoleLogger(), { logLevel: diagLogLevelFromString(level) })
}
