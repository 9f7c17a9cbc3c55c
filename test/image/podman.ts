import { spawn, type SpawnOptions } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * podman as these machines run it: as root, with runc (crun is not installed) and the settings
 * in containers.conf beside this file (no default rlimits: the VM refuses podman's defaults).
 * CONTAINERS_CONF makes podman read that file instead of touching /etc/containers.
 */
export const CONTAINERS_CONF = fileURLToPath(new URL('./containers.conf', import.meta.url))
const GLOBAL_ARGS = ['--runtime', 'runc']

export function podmanEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF }
}

export type RunOptions = SpawnOptions & { input?: NodeJS.ReadableStream }

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to completion, capturing its output; `input` is piped to its stdin. */
export function run(
  command: string,
  args: readonly string[],
  { input, ...options }: RunOptions = {}
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...options,
      stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    if (input) input.pipe(child.stdin!)
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Runs a command and returns its stdout; a non-zero exit throws with the command's stderr. */
export async function runOk(
  command: string,
  args: readonly string[],
  options?: RunOptions
): Promise<string> {
  const result = await run(command, args, options)
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr}`)
  }
  return result.stdout
}

export function podman(args: readonly string[], options?: RunOptions): Promise<RunResult> {
  return run('podman', [...GLOBAL_ARGS, ...args], { env: podmanEnv(), ...options })
}

export function podmanOk(args: readonly string[], options?: RunOptions): Promise<string> {
  return runOk('podman', [...GLOBAL_ARGS, ...args], { env: podmanEnv(), ...options })
}

/** The arguments that put podman's global flags first, for callers that spawn it themselves. */
export function podmanArgs(args: readonly string[]): string[] {
  return [...GLOBAL_ARGS, ...args]
}

export async function imageExists(name: string): Promise<boolean> {
  return (await podman(['image', 'exists', name])).code === 0
}
