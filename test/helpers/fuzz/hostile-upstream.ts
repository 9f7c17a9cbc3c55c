import { createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { UpstreamScript } from './upstream-grammar.ts'

export interface HostileUpstream {
  readonly url: string
  /** Request heads received, latin1. */
  readonly heads: string[]
  close(): Promise<void>
}

const HEAD_END = '\r\n\r\n'

/**
 * A raw TCP upstream that answers each request with the bytes of a script, chosen by the request
 * path (`…/fz-<id>`). Requests on one connection are answered in order; a script that does not
 * keep the connection ends, resets or abandons it.
 */
export async function startHostileUpstream(
  scriptFor: (id: number) => UpstreamScript | undefined
): Promise<HostileUpstream> {
  const heads: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.on('end', () => socket.destroy())
    let buffered = ''
    let busy = false
    const next = async () => {
      if (busy) return
      const end = buffered.indexOf(HEAD_END)
      if (end < 0) return
      busy = true
      const head = buffered.slice(0, end)
      buffered = buffered.slice(end + HEAD_END.length)
      heads.push(head)
      const id = Number(/\/fz-(\d+)/.exec(head.slice(0, head.indexOf('\r\n')))?.[1])
      const script = scriptFor(id)
      if (!script) {
        socket.end('HTTP/1.1 500 No Script\r\ncontent-length: 0\r\n\r\n')
        return
      }
      for (const [i, chunk] of script.chunks.entries()) {
        if (socket.destroyed) return
        socket.write(chunk)
        if (script.gapMs > 0 && i < script.chunks.length - 1) {
          await new Promise((r) => setTimeout(r, script.gapMs))
        }
      }
      if (socket.destroyed) return
      if (script.then === 'end') socket.end()
      else if (script.then === 'reset') socket.resetAndDestroy()
      else if (script.then === 'keep') {
        busy = false
        void next()
      }
      // 'hang': say nothing more; the gateway's timeout ends it.
    }
    socket.on('data', (data: Buffer) => {
      buffered += data.toString('latin1')
      void next()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    heads,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
