import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

/** The command `npm start` runs (package.json), with the tracing preload. */
export const START_ARGS = ['--import', './src/tracing/register.ts', 'src/main.ts']

export interface StartedProcess {
  readonly url: string
  readonly adminUrl: string
  readonly child: ChildProcess
  readonly stdout: string[]
  readonly stderr: string[]
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** The parent's environment without any `OTEL_*` setting, so only the test's own apply. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')))
}

/** Runs `node --import ./src/tracing/register.ts src/main.ts` to exit, for start-up failures. */
export function runToExit(
  env: Record<string, string>
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, START_ARGS, {
    cwd: ROOT,
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })))
}

/**
 * Starts the gateway as `npm start` does, with the tracing preload, both listeners on port 0,
 * and waits for its `listening` line.
 */
export function startGatewayProcess(
  env: Record<string, string>,
  { timeoutMs = 15_000 } = {}
): Promise<StartedProcess> {
  const child = spawn(process.execPath, START_ARGS, {
    cwd: ROOT,
    env: {
      ...cleanEnv(),
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_HOST: '127.0.0.1',
      ADMIN_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stdout: string[] = []
  const stderr: string[] = []
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code))
  )
  child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`gateway did not start: ${stderr.join('')}`))
    }, timeoutMs)
    let buffered = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffered += d
      let nl
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        stdout.push(line)
        if (!line.includes('"listening"')) continue
        clearTimeout(timer)
        const { proxy, admin } = JSON.parse(line) as { proxy: string; admin: string }
        resolve({
          url: proxy,
          adminUrl: admin,
          child,
          stdout,
          stderr,
          stop(signal = 'SIGTERM') {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal)
            return exited
          },
        })
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`gateway exited with ${code}: ${stderr.join('')}`))
    })
  })
}
