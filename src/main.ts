import { ConfigError, loadConfig } from './config/index.ts'
import { createLogger } from './logging/logger.ts'
import { startFromConfig } from './bootstrap.ts'
import type { RunningGateway } from './server.ts'

/**
 * `npm start`: the gateway from environment settings. A bad setting prints one line naming it
 * and exits 2; SIGTERM or SIGINT drain in-flight requests (up to SHUTDOWN_DRAIN_MS) and exit 0.
 */
async function main(): Promise<void> {
  let config
  try {
    config = loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`drive-gateway: ${error.message}\n`)
      process.exit(2)
    }
    throw error
  }
  const logger = createLogger(config.logLevel)
  // Signals are heard from the start: one that arrives while the gateway is still starting (its
  // `listening` line is already out) waits for start-up to finish, then drains, instead of
  // killing the process with the default action.
  let gateway: RunningGateway | undefined
  let stopping: string | undefined
  const stop = (signal: string) => {
    if (stopping) return
    stopping = signal
    if (!gateway) return
    logger.notice('shutting down', { signal, drain_ms: config.shutdownDrainMs })
    gateway.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: String(error) })
        process.exit(1)
      }
    )
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
  try {
    gateway = await startFromConfig(config, { logger })
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    process.stderr.write(`drive-gateway: cannot listen: ${e.code ?? ''} ${e.message}\n`)
    process.exit(1)
  }
  if (stopping) {
    const signal = stopping
    stopping = undefined
    stop(signal)
  }
}

await main()
