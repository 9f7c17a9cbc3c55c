import type { ServerResponse } from 'node:http'

// Responses whose connection the gateway itself closed before they were done (the drain deadline
// at shutdown), so that their outcome names the gateway, not a client that left. Marked only at
// shutdown, so the set holds no more than the connections open then.
const cut = new WeakSet<ServerResponse>()

/** Marks a response the gateway is about to cut off. */
export function markCutByGateway(res: ServerResponse): void {
  cut.add(res)
}

/** Whether the gateway cut this response off (else a close before its end is the client's). */
export function cutByGateway(res: ServerResponse): boolean {
  return cut.has(res)
}
