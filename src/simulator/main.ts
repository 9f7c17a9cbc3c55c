// `npm run simulator`: a standalone Drive API simulator for the demo and the benchmark.
import { SimulatorEnvError, simulatorOptionsFromEnv } from './env.ts'
import { startSimulator } from './index.ts'
import type { Simulator } from './index.ts'

let simulator: Simulator
try {
  simulator = await startSimulator(simulatorOptionsFromEnv(process.env))
} catch (error) {
  // A bad setting or a busy port: one line, as the gateway does, not a stack trace.
  const known = error instanceof SimulatorEnvError || (error as { code?: unknown }).code
  if (!known) throw error
  console.error(`simulator: ${(error as Error).message}`)
  process.exit(1)
}
console.log(`drive-api simulator listening on ${simulator.url}`)

async function shutdown(): Promise<void> {
  await simulator.close()
  process.exitCode = 0
}

process.once('SIGTERM', () => void shutdown())
process.once('SIGINT', () => void shutdown())
