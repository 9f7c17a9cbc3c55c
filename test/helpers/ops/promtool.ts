/** Runs Debian's `promtool` (package `prometheus`, installed by `.ci/run`). */

import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'

export interface ToolResult {
  readonly code: number
  readonly output: string
}

export function promtool(args: string[], cwd?: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    // No timeout of its own: a run takes seconds, but minutes on a machine shared by several
    // suites; the calling test's timeout bounds it.
    execFile('promtool', args, { cwd }, (err, stdout, stderr) => {
      const output = stdout + stderr
      if (err && typeof err.code !== 'number')
        reject(new Error(`promtool failed to run: ${err.message}`))
      else resolve({ code: err ? Number(err.code) : 0, output })
    })
  })
}

/** Writes files into a fresh temporary directory, runs `fn` in it and removes it afterwards. */
export async function withTempDir<T>(
  files: Record<string, string | object>,
  fn: (dir: string) => Promise<T>
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'dgw-ops-'))
  try {
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(join(dir, name), typeof content === 'string' ? content : stringify(content))
    }
    return await fn(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
