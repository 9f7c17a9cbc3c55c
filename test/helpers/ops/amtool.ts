/** Runs Debian's `amtool` (package `prometheus-alertmanager`, installed by `.ci/run`). */

import { execFile } from 'node:child_process'
import type { ToolResult } from './promtool.ts'

/** `stdout` alone: amtool warns on stderr (e.g. that `--config.file` overrides the URL). */
export function amtool(args: string[], cwd?: string): Promise<ToolResult & { stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile('amtool', args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const output = stdout + stderr
      if (err && typeof err.code !== 'number')
        reject(new Error(`amtool failed to run: ${err.message}`))
      else resolve({ code: err ? Number(err.code) : 0, output, stdout })
    })
  })
}
