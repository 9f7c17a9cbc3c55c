import type { Config } from './config/types.ts'
import type { Logger } from './logging/logger.ts'
import { startGateway, type RunningGateway } from './server.ts'

/**
 * Starts a gateway with everything its config asks for (cache store, tracing). `main.ts` and the
 * tests both start gateways through here, so a test exercises what production runs.
 */
export async function startFromConfig(
  config: Config,
  { logger }: { logger: Logger }
): Promise<RunningGateway> {
  return startGateway(config, { logger })
}
