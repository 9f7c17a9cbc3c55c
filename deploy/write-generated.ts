import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * Writes generated files (`[repo-relative path, content]`) that differ from what is on disk, or
 * with `--check` in the arguments only reports them and exits 1. Used by the dashboard and the
 * deploy generators, so both behave the same.
 */
export function writeGenerated(files: Iterable<[string, string]>, what: string): void {
  const check = process.argv.includes('--check')
  let stale = 0
  for (const [path, content] of files) {
    let current: string | undefined
    try {
      current = readFileSync(ROOT + path, 'utf8')
    } catch {
      current = undefined
    }
    if (current === content) continue
    stale++
    if (check) console.error(`stale: ${path}`)
    else writeFileSync(ROOT + path, content)
  }
  if (check && stale > 0) process.exit(1)
  console.log(check ? `${what} up to date` : `${what} written (${stale} changed)`)
}
