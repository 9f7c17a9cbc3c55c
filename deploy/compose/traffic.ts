/**
 * Light, steady traffic for `docker compose up`, so the dashboards have something to show:
 * a few requests per second of API 2.0 lookups through the gateway, with the simulator's
 * configured faults (SIM_FAULTS) adding 5xx, 598 and 429. Runs in the gateway image:
 * `node traffic.ts`, no dependencies.
 */

const GATEWAY = process.env.GATEWAY_URL ?? 'http://gateway:8080'
const RPS = Number(process.env.TRAFFIC_RPS ?? '5')
// Lookups are cached per caller: a few callers and a few files give hits, misses and bypasses.
const CALLERS = ['Bearer demo-token-a', 'Bearer demo-token-b']
const FILES = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8']

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!
}

function nextRequest(): { path: string; init: RequestInit } {
  const user = '/users/demo-user/drive'
  const file = `${user}/files/${pick(FILES)}`
  const headers = { authorization: pick(CALLERS) }
  const roll = Math.random()
  if (roll < 0.5) return { path: file, init: { headers } }
  if (roll < 0.8) return { path: `${file}/children`, init: { headers } }
  if (roll < 0.9) return { path: `${user}/files`, init: { headers } }
  if (roll < 0.95) return { path: `${file}/download`, init: { headers } }
  return { path: file, init: { method: 'PATCH', headers, body: '{"fileName":"renamed"}' } }
}

async function once(): Promise<void> {
  const { path, init } = nextRequest()
  try {
    const res = await fetch(GATEWAY + path, { ...init, signal: AbortSignal.timeout(60_000) })
    await res.arrayBuffer()
  } catch (error) {
    console.error(`traffic: ${path}: ${(error as Error).message}`)
  }
}

// Fire at a fixed rate without waiting for answers: a 598 after 30 s must not slow the rest.
setInterval(() => void once(), 1000 / RPS)
console.log(`traffic: ${RPS} requests per second to ${GATEWAY}`)
