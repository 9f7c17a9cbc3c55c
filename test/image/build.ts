import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { podmanOk, runOk } from './podman.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * An npmrc for the build stage's `npm ci`, passed as the `npmrc` build secret (never a layer):
 * the registry this machine's npm uses, and its CA file when it has one (a TLS-inspecting egress
 * proxy signs the registry's certificate here). Only these two settings: a user's npmrc may hold
 * tokens the build does not need.
 */
async function buildNpmrc(): Promise<string> {
  const registry = (await runOk('npm', ['config', 'get', 'registry'])).trim()
  const cafile = (await runOk('npm', ['config', 'get', 'cafile'])).trim()
  const lines = [`registry=${registry}`]
  if (cafile && cafile !== 'null' && cafile !== 'undefined') {
    // npm's `ca` takes PEM with newlines written as \n, one array entry per certificate.
    const pems = readFileSync(cafile, 'utf8').match(
      /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g
    )
    for (const pem of pems ?? []) lines.push(`ca[]="${pem.replace(/\r?\n/g, '\\n')}"`)
  }
  return lines.join('\n') + '\n'
}

export interface BuiltImage {
  readonly name: string
  /** Wall time of `podman build` (layers cached by earlier runs make it shorter). */
  readonly buildSeconds: number
  /** Uncompressed size as podman reports it. */
  readonly sizeBytes: number
}

/**
 * Builds deploy/Dockerfile as the README says, with podman in place of docker: the base image
 * as NODE_IMAGE, host networking (no CNI bridge is set up here), the Docker image format (the
 * OCI format has no HEALTHCHECK; podman drops it), no registry pulls.
 */
export async function buildImage(baseImage: string, name: string): Promise<BuiltImage> {
  const dir = mkdtempSync(join(tmpdir(), 'drive-gateway-build-'))
  const npmrc = join(dir, 'npmrc')
  try {
    writeFileSync(npmrc, await buildNpmrc(), { mode: 0o600 })
    const started = performance.now()
    await podmanOk(
      [
        'build',
        '--network=host',
        '--format=docker',
        '--pull=never',
        '--layers',
        `--secret=id=npmrc,src=${npmrc}`,
        `--build-arg=NODE_IMAGE=${baseImage}`,
        '--file=deploy/Dockerfile',
        // docker reads <Dockerfile>.dockerignore by itself; podman 4.3 needs to be told.
        '--ignorefile=deploy/Dockerfile.dockerignore',
        `--tag=${name}`,
        '.',
      ],
      { cwd: ROOT }
    )
    const buildSeconds = (performance.now() - started) / 1000
    const sizeBytes = Number(await podmanOk(['image', 'inspect', '--format={{.Size}}', name]))
    return { name, buildSeconds, sizeBytes }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
