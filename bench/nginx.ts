// nginx in three parts: the cheapest upstream (`return 200` with a 421 B JSON body, so a proxy's
// own cost dominates), and the baselines `proxy_pass` with upstream keep-alive and `proxy_cache`.
// One worker each, from a temporary prefix directory, run in the foreground as a child of the
// bench. The upstream runs as its own nginx instance so its CPU is never counted as the proxy's.
import { mkdirSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import { startProcess, waitUntil, type Proc } from './procs.ts'

/**
 * A Drive file lookup as the upstream answers it: 421 bytes of JSON (no `'` or `$`, so it fits
 * an nginx single-quoted string as is).
 */
export const UPSTREAM_BODY = JSON.stringify({
  resourceSize: 473278,
  resourceKey: 'MTQ1MDMwMDJ8MzQ3MjI1NHxGfDA',
  resourceLocation: 24101,
  resourceType: 'file',
  resourcePath: '/3472254/document-3472254.pdf',
  fileType: 'pdf',
  folderType: 'my',
  createDate: 1430188697000,
  updateDate: 1581385436000,
  updateUser: '14503002',
  hasExif: false,
  hasThumbnail: true,
  uploaded: true,
  locked: false,
  virus: 'none',
  memberShare: null,
  linkShare: null,
  protected: false,
  tag: null,
})

export type NginxSite =
  /** `return 200` with UPSTREAM_BODY: the upstream itself. */
  | { readonly kind: 'return'; readonly port: number }
  /** `proxy_pass` (and with `cache`, `proxy_cache` keyed per caller like the gateway). */
  | {
      readonly kind: 'proxy' | 'cache'
      readonly port: number
      /** Port of the upstream (127.0.0.1). */
      readonly upstreamPort: number
    }

function location(site: NginxSite): string {
  if (site.kind === 'return') {
    return `      default_type "application/json;charset=UTF-8";
      return 200 '${UPSTREAM_BODY}';`
  }
  const pass = `      proxy_pass http://up${site.upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Connection "";`
  if (site.kind === 'proxy') return pass
  return `${pass}
      proxy_cache bench;
      # Per caller, as the gateway keys its cache (nginx itself does not look at Authorization).
      proxy_cache_key "$proxy_host$request_uri|$http_authorization|$http_consumerkey";
      proxy_cache_valid 200 60s;
      proxy_cache_lock on;
      proxy_ignore_headers Cache-Control Expires Set-Cookie Vary;
      add_header X-Cache-Status $upstream_cache_status always;`
}

export function nginxConfig(dir: string, sites: readonly NginxSite[]): string {
  const upstreamPorts = new Set(sites.flatMap((s) => (s.kind === 'return' ? [] : [s.upstreamPort])))
  const upstreams = [...upstreamPorts].map(
    (port) => `  upstream up${port} {
    server 127.0.0.1:${port};
    keepalive 64;
    keepalive_requests 1000000;
  }`
  )
  const servers = sites.map(
    (s) => `  server {
    listen 127.0.0.1:${s.port};
    location / {
${location(s)}
    }
  }`
  )
  // `user` only means something when the master runs as root; then workers must be able to write
  // the cache in a 0700 temporary directory owned by root.
  const user = process.getuid?.() === 0 ? 'user root;\n' : ''
  return `# written by bench/nginx.ts
${user}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {
  worker_connections 4096;
}
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=bench:10m max_size=256m inactive=10m use_temp_path=off;
${upstreams.join('\n')}
${servers.join('\n')}
}
`
}

function portOpen(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(undefined))
  })
}

/** Starts `nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'` and waits for every listener. */
export async function startNginx(
  name: string,
  binary: string,
  dir: string,
  sites: readonly NginxSite[]
): Promise<Proc> {
  mkdirSync(join(dir, 'tmp'), { recursive: true })
  mkdirSync(join(dir, 'cache'), { recursive: true })
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, nginxConfig(dir, sites))
  const proc = startProcess(
    name,
    binary,
    ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf, '-g', 'daemon off;'],
    { group: true }
  )
  for (const site of sites) {
    await waitUntil(proc, `listener on :${site.port}`, () => portOpen(site.port), 10_000)
  }
  return proc
}
