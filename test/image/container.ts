import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { onLines } from '../helpers/lines.ts'
import { podman, podmanArgs, podmanEnv, podmanOk } from './podman.ts'

/** A port free on the host now; the container shares the host's network, so it binds there. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export interface RunningContainer {
  readonly name: string
  readonly url: string
  readonly adminUrl: string
  /** JSON log lines the gateway wrote to stdout so far. */
  readonly logs: Record<string, unknown>[]
  readonly stderr: string[]
  /** From `podman run` to the gateway's `listening` line, in ms. */
  readonly listeningMs: number
  /** From `podman run` to the first 200 from `/readyz`, in ms. */
  readonly readyMs: number
  /** From the container's start (its process exec'd) to the `listening` line: Node's share. */
  readonly processMs: number
  /** The exit code of `podman run`, which is the container's. */
  readonly exited: Promise<number | null>
  readonly child: ChildProcess
  remove(): Promise<void>
}

/**
 * Runs the image as the Kubernetes sidecar manifest does: uid 1000 from the image, a read-only
 * root file system with no tmpfs added (podman adds /tmp, /var/tmp and /run unless told not
 * to; Kubernetes does not), every capability dropped, no privilege escalation. Host networking
 * on free ports, as no CNI bridge is set up here. The healthcheck timer is off because podman
 * drives it through systemd, which these machines do not run; tests run the check by hand.
 */
export async function runContainer(
  image: string,
  name: string,
  env: Record<string, string>,
  { timeoutMs = 60_000 } = {}
): Promise<RunningContainer> {
  const port = await freePort()
  const adminPort = await freePort()
  const envArgs = Object.entries({
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    ...env,
  }).flatMap(([k, v]) => ['--env', `${k}=${v}`])
  await podman(['rm', '--force', '--ignore', name])
  const started = performance.now()
  const child = spawn(
    'podman',
    podmanArgs([
      'run',
      `--name=${name}`,
      '--network=host',
      '--read-only',
      '--read-only-tmpfs=false',
      '--cap-drop=all',
      '--security-opt=no-new-privileges',
      '--health-interval=disable',
      ...envArgs,
      image,
    ]),
    { env: podmanEnv(), stdio: ['ignore', 'pipe', 'pipe'] }
  )
  const logs: Record<string, unknown>[] = []
  const stderr: string[] = []
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code))
  )
  child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d))
  const listening = new Promise<number>((resolve, reject) => {
    onLines(child.stdout!, (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>
        logs.push(entry)
        if (entry.msg === 'listening') resolve(performance.now() - started)
      } catch {
        stderr.push(`not JSON on stdout: ${line}\n`)
      }
    })
    exited.then((code) => reject(new Error(`container exited with ${code}: ${stderr.join('')}`)))
  })
  const remove = async () => {
    await podman(['rm', '--force', '--time=0', '--ignore', name])
  }
  const deadline = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  try {
    const listeningMs = await listening
    const adminUrl = `http://127.0.0.1:${adminPort}`
    for (;;) {
      const status = await fetch(`${adminUrl}/readyz`).then(
        (r) => r.status,
        () => 0
      )
      if (status === 200) break
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`container exited before ready: ${stderr.join('')}`)
      }
      await new Promise((r) => setTimeout(r, 20))
    }
    const readyMs = performance.now() - started
    const startedAt = await podmanOk([
      'inspect',
      '--format={{.State.StartedAt.Format "2006-01-02T15:04:05.000Z07:00"}}',
      name,
    ])
    const listened = logs.find((l) => l.msg === 'listening')!.time as string
    const processMs = Date.parse(listened) - Date.parse(startedAt.trim())
    return {
      name,
      url: `http://127.0.0.1:${port}`,
      adminUrl,
      logs,
      stderr,
      listeningMs,
      readyMs,
      processMs,
      exited,
      child,
      remove,
    }
  } catch (error) {
    await remove()
    throw error
  } finally {
    clearTimeout(deadline)
  }
}
