import type { Readable } from 'node:stream'

/** Calls `fn` with each complete line a child process writes to `stream` (UTF-8). */
export function onLines(stream: Readable, fn: (line: string) => void): void {
  let buffered = ''
  stream.setEncoding('utf8').on('data', (d: string) => {
    buffered += d
    let nl
    while ((nl = buffered.indexOf('\n')) >= 0) {
      fn(buffered.slice(0, nl))
      buffered = buffered.slice(nl + 1)
    }
  })
}
