import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Spawns a Prometheus-family daemon (`prometheus`, `alertmanager`) whose files live in `dir`, and
 * waits up to 20 s for `GET {url}/-/ready` to answer 2xx. If it exits first (or the binary is
 * missing: `.ci/run` installs the Debian packages) or never gets ready, it is stopped and the
 * error carries the tail of its stderr. Resolves with `close`: SIGTERM, SIGKILL after 5 s, and
 * `dir` removed.
 */
export async function startDaemon(
  name: string,
  bin: string,
  args: readonly string[],
  { url, dir }: { url: string; dir: string }
): Promise<() => Promise<void>> {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  const stderr: string[] = []
  child.stderr.setEncoding('utf8').on('data', (d: string) => stderr.push(d))
  let spawnError: Error | undefined
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', (error) => {
      spawnError = error
      resolve()
    })
  })
  const running = () => child.exitCode === null && child.signalCode === null && !spawnError
  const close = async () => {
    if (running()) child.kill('SIGTERM')
    await Promise.race([exited, sleep(5_000)])
    if (running()) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }

  const deadline = Date.now() + 20_000
  for (;;) {
    if (!running()) {
      await close()
      throw new Error(
        `${name} did not start: ${spawnError?.message ?? stderr.join('').slice(-2000)}`
      )
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false
    )
    if (ready) return close
    if (Date.now() > deadline) {
      await close()
      throw new Error(`${name} not ready: ${stderr.join('').slice(-2000)}`)
    }
    await sleep(100)
  }
}
