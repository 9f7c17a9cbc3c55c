import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { imageExists, podmanOk, runOk } from './podman.ts'
import { spawn } from 'node:child_process'

/**
 * The base image the Dockerfile's NODE_IMAGE names, built here because no image registry is
 * reachable: a minimal Debian root file system from the Debian mirror apt already uses, the
 * Node binary of the pinned `node` devDependency, and npm from the registry's `npm` package
 * (the build stage runs `npm ci`). Like the official node image: Node and npm in /usr/local,
 * a `node` user with uid and gid 1000.
 *
 * Run directly (`node test/image/base-image.ts`) it prints the image name.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Debian 12: glibc 2.36, as the official node:26 images. */
const SUITE = 'bookworm'
/** npm for the build stage; Node's npm package ships no npm. */
const NPM_VERSION = '12.2.2'
/** Node's binary needs libatomic1 besides what minbase has. */
const EXTRA_PACKAGES = ['libatomic1']
const NODE_BINARY = join(ROOT, 'node_modules/node/bin/node')
/** Where the rootfs is assembled: on disk (it is about 300 MB), not in a tmpfs /tmp. */
const WORK_DIR = '/var/tmp'

function nodeVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules/node/package.json'), 'utf8'))
  return pkg.version as string
}

/**
 * The image name changes whenever what goes into it does (this recipe, Node, npm), so a cached
 * image is reused only while it is still the one this file would build.
 */
export function baseImageName(): string {
  const recipe = createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(nodeVersion())
    .update(NPM_VERSION)
    .digest('hex')
    .slice(0, 12)
  return `localhost/drive-gateway-node:${nodeVersion()}-${SUITE}-${recipe}`
}

interface AptSource {
  uri: string
  suites: string[]
  components: string[]
  signedBy?: string
}

/** Reads apt's sources, both one-line (`deb URI SUITE COMPONENTS`) and deb822 (`.sources`). */
export function aptSources(dir = '/etc/apt'): AptSource[] {
  const files = [join(dir, 'sources.list')]
  const listDir = join(dir, 'sources.list.d')
  if (existsSync(listDir)) files.push(...readdirSync(listDir).map((f) => join(listDir, f)))
  const sources: AptSource[] = []
  for (const file of files) {
    if (!existsSync(file)) continue
    const text = readFileSync(file, 'utf8')
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const fields = new Map<string, string>()
        for (const line of stanza.split('\n')) {
          const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line)
          if (m) fields.set(m[1]!.toLowerCase(), m[2]!.trim())
        }
        if (!(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue
        if (/^(no|false)$/i.test(fields.get('enabled') ?? '')) continue
        for (const uri of (fields.get('uris') ?? '').split(/\s+/).filter(Boolean)) {
          sources.push({
            uri,
            suites: (fields.get('suites') ?? '').split(/\s+/).filter(Boolean),
            components: (fields.get('components') ?? '').split(/\s+/).filter(Boolean),
            signedBy: fields.get('signed-by'),
          })
        }
      }
    } else if (file.endsWith('.list')) {
      for (const line of text.split('\n')) {
        const m = /^\s*deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line)
        if (!m) continue
        const signedBy = /signed-by=(\S+)/.exec(m[1] ?? '')?.[1]
        sources.push({ uri: m[2]!, suites: [m[3]!], components: m[4]!.split(/\s+/), signedBy })
      }
    }
  }
  return sources
}

/** The mirror apt already uses for the Debian suite's main component. */
export function debianMirror(sources = aptSources()): AptSource {
  const found = sources.find((s) => s.suites.includes(SUITE) && s.components.includes('main'))
  if (!found) {
    throw new Error(
      `no apt source for ${SUITE} main in /etc/apt/sources.list*: the base image is built from ` +
        'the Debian mirror apt already uses'
    )
  }
  return found
}

/** Builds the base image unless it exists; returns its name. */
export async function ensureBaseImage(log: (line: string) => void = () => {}): Promise<string> {
  const name = baseImageName()
  if (await imageExists(name)) return name
  const started = Date.now()
  const work = mkdtempSync(join(WORK_DIR, 'drive-gateway-rootfs-'))
  const rootfs = join(work, 'rootfs')
  try {
    const mirror = debianMirror()
    log(`debootstrap ${SUITE} from ${mirror.uri}`)
    await runOk('debootstrap', [
      '--variant=minbase',
      `--include=${EXTRA_PACKAGES.join(',')}`,
      ...(mirror.signedBy ? [`--keyring=${mirror.signedBy}`] : []),
      SUITE,
      rootfs,
      mirror.uri,
    ])
    // What a slim image drops: package caches and lists (apt-get update refetches them),
    // documentation, manual pages, translations, logs of the bootstrap.
    for (const dir of [
      'var/cache/apt',
      'var/lib/apt/lists',
      'usr/share/doc',
      'usr/share/man',
      'usr/share/info',
      'usr/share/locale',
      'var/log',
    ]) {
      rmSync(join(rootfs, dir), { recursive: true, force: true })
      mkdirSync(join(rootfs, dir), { recursive: true })
    }
    mkdirSync(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true })
    mkdirSync(join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true })

    // Node as the `node` package ships it (node_modules/node/bin/node is the binary itself).
    const bin = join(rootfs, 'usr/local/bin')
    copyFileSync(NODE_BINARY, join(bin, 'node'))
    chmodSync(join(bin, 'node'), 0o755)
    await runOk(join(bin, 'node'), ['--version'])

    // npm from the registry's tarball, laid out as Node's own installers do.
    const npmDir = join(rootfs, 'usr/local/lib/node_modules/npm')
    mkdirSync(npmDir, { recursive: true })
    const packed = (
      await runOk('npm', ['pack', `npm@${NPM_VERSION}`, '--pack-destination', work, '--silent'])
    ).trim()
    await runOk('tar', ['-xzf', join(work, packed), '-C', npmDir, '--strip-components=1'])
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(bin, 'npm'))
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(bin, 'npx'))

    // The official image's user: uid and gid 1000, so `USER 1000:1000` names a real account.
    await runOk('chroot', [rootfs, 'groupadd', '--gid', '1000', 'node'])
    await runOk('chroot', [rootfs, 'useradd', '--uid', '1000', '--gid', 'node', '-m', 'node'])

    log(`podman import ${name}`)
    const tar = spawn('tar', ['--numeric-owner', '-C', rootfs, '-cf', '-', '.'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await podmanOk(
      [
        'import',
        '--change',
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--change',
        `ENV NODE_VERSION=${nodeVersion()}`,
        '--change',
        'CMD ["node"]',
        '-',
        name,
      ],
      { input: tar.stdout! }
    )
    log(`base image built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return name
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await ensureBaseImage((line) => console.error(line)))
}
