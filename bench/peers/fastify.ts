// The peer to beat: fastify with @fastify/http-proxy (reply-from over an undici pool), as its
// README sets it up, logger off. Run as its own process by the bench:
// `PEER_PORT=0 UPSTREAM_URL=http://127.0.0.1:8081 node bench/peers/fastify.ts`.
import proxy from '@fastify/http-proxy'
import Fastify from 'fastify'

const upstream = process.env.UPSTREAM_URL
if (!upstream) throw new Error('UPSTREAM_URL is required')

const app = Fastify({ logger: false })
await app.register(proxy, { upstream })
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PEER_PORT ?? 0) })
console.log(`fastify + @fastify/http-proxy listening on ${address}`)
