import type { RouteDefinition } from '../routes/types.ts'
import {
  children10,
  container20,
  file10,
  file20,
  list20,
  OWNER_NO,
  encodeKey,
  quota10,
  recycle10,
  revision20,
  trash20,
  written10,
} from './bodies.ts'
import type { ReceivedBody } from './upload.ts'
import { uploadResult } from './upload.ts'

/** What a request is about, once matched and its body has arrived. */
export interface EndpointRequest {
  readonly method: string
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams | undefined
  /** `http://host:port` of the simulator itself, for `uploadUrl` and download `Location`s. */
  readonly origin: string
  readonly received: ReceivedBody
  /** `x-sim-download`: `bytes` streams a 2.0 download, `redirect` redirects a 1.0 one. */
  readonly download: 'bytes' | 'redirect' | undefined
}

/** The outcome of an endpoint, before headers and framing are added. */
export type EndpointResult =
  | { readonly type: 'json'; readonly status: number; readonly body: unknown }
  | { readonly type: 'no-content' }
  | { readonly type: 'download'; readonly id: string }
  | { readonly type: 'redirect'; readonly location: string }

/** A route's behaviour; `upload` routes get their body hashed. */
export interface Endpoint {
  readonly upload: boolean
  readonly lookup: boolean
  handle(request: EndpointRequest): EndpointResult
}

/** Paths at the simulator's root that stand for the file host (`uploadUrl`, `Location` targets). */
export const STORAGE_UPLOAD = '/storage/upload/'
export const STORAGE_DOWNLOAD = '/storage/download/'

const ROOT_FOLDER = encodeKey(OWNER_NO, 1, true)

const json = (body: unknown, status = 200): EndpointResult => ({ type: 'json', status, body })
const NO_CONTENT: EndpointResult = { type: 'no-content' }

function int(query: URLSearchParams | undefined, name: string, fallback: number): number {
  const value = Number(query?.get(name) ?? fallback)
  return Number.isSafeInteger(value) ? value : fallback
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function storageLocation(r: EndpointRequest, id: string): string {
  const size = r.query?.get('size')
  const suffix = size ? `?size=${encodeURIComponent(size)}` : ''
  return `${r.origin}${STORAGE_DOWNLOAD}${encodeURIComponent(id)}${suffix}`
}

function download(redirectByDefault: boolean, idParam: string) {
  return (r: EndpointRequest): EndpointResult => {
    const id = r.params[idParam] ?? ''
    const redirect = r.download === undefined ? redirectByDefault : r.download === 'redirect'
    return redirect
      ? { type: 'redirect', location: storageLocation(r, id) }
      : { type: 'download', id }
  }
}

/** 2.0 `POST …/files[/{fileId}]`: step one of an upload, the URL to send the bytes to. */
let uploadUrls = 0

function uploadUrl(r: EndpointRequest): EndpointResult {
  const fileId = encodeKey(OWNER_NO, 600000000000 + uploadUrls++, false)
  return json({ uploadUrl: `${r.origin}${STORAGE_UPLOAD}${fileId}`, offset: 0 })
}

/** DELETE answers 204; other writes answer 200 with `body`. */
function write(body: (r: EndpointRequest) => unknown) {
  return (r: EndpointRequest): EndpointResult =>
    r.method === 'DELETE' ? NO_CONTENT : json(body(r))
}

const file20Of = (r: EndpointRequest) => file20(r.params.fileId ?? '', ROOT_FOLDER)
const list20Of = (parent: string | null) => (r: EndpointRequest) =>
  json(list20(parent, r.query?.get('cursor') ?? null, int(r.query, 'count', 20)))

function endpoint(
  handle: (r: EndpointRequest) => EndpointResult,
  flags: { upload?: boolean; lookup?: boolean } = {}
): Endpoint {
  return { handle, upload: flags.upload ?? false, lookup: flags.lookup ?? false }
}

function api10(template: string, lookup: boolean): Endpoint | undefined {
  const key = (r: EndpointRequest) => r.params.resourceKey ?? ''
  switch (template) {
    case '/files/{resourceKey}':
      return endpoint(lookup ? (r) => json(file10(key(r))) : write((r) => file10(key(r))), {
        lookup,
      })
    case '/files/{resourceKey}/children':
      return endpoint(
        (r) => json(children10(key(r), int(r.query, 'offset', 0), int(r.query, 'limit', 20))),
        { lookup }
      )
    case '/files/{resourceKey}/download':
      return endpoint(download(false, 'resourceKey'))
    case '/files':
      return endpoint((r) => json(uploadResult(r.received), 201), { upload: true })
    case '/recycle-files':
      return endpoint(
        (r) => json(recycle10(int(r.query, 'offset', 0), int(r.query, 'limit', 20))),
        {
          lookup,
        }
      )
    case '/recycle-files/{resourceKey}/restore':
    case '/recycle-files/{resourceKey}/*':
    case '/files/{resourceKey}/*':
      return endpoint(write((r) => written10(key(r))))
    case '/getQuota/v1':
    case '/getUserInfo/v1':
      return endpoint(() => json(quota10()), { lookup })
  }
  return undefined
}

function api20(template: string, lookup: boolean): Endpoint {
  const parentId = (r: EndpointRequest) => r.params.fileId ?? null
  if (template.endsWith('/download')) {
    return endpoint(download(true, 'fileId'))
  }
  if (template.endsWith('/files/{fileId}/children') || template.endsWith('/share-sub-folders')) {
    return endpoint((r) => list20Of(parentId(r))(r), { lookup })
  }
  if (template.endsWith('/revisions')) {
    return endpoint(
      (r) => json({ revisions: [revision20(r.params.fileId ?? '', '1')], responseMetaData: {} }),
      { lookup }
    )
  }
  if (template.endsWith('/revisions/{revisionId}')) {
    return endpoint((r) => json(revision20(r.params.fileId ?? '', r.params.revisionId ?? '')), {
      lookup,
    })
  }
  if (template.endsWith('/permissions')) {
    const permission = { type: 'USER', userId: OWNER_NO, permissionType: 'WRITE' }
    return endpoint(() => json({ permissions: [permission], responseMetaData: {} }), { lookup })
  }
  if (template.endsWith('/trash-files')) {
    return endpoint(
      (r) => json(trash20(r.query?.get('cursor') ?? null, int(r.query, 'count', 20))),
      { lookup }
    )
  }
  if (template.endsWith('/*')) return endpoint(write(file20Of))
  if (template.endsWith('/files/{fileId}')) {
    if (lookup) return endpoint((r) => json(file20Of(r)), { lookup })
    const update = write(file20Of)
    return endpoint((r) => (r.method === 'POST' ? uploadUrl(r) : update(r)))
  }
  if (template.endsWith('/files')) {
    return endpoint(lookup ? list20Of(null) : uploadUrl, { lookup })
  }
  if (
    lookup &&
    (template === '/users/{userId}/drive/sharedfolders' || template === '/sharedrives')
  ) {
    const items = (r: EndpointRequest) => list20(null, r.query?.get('cursor') ?? null, 3)
    return endpoint((r) => json(items(r)), { lookup })
  }
  // A container itself: drive, shared folder, sharedrive or group folder properties.
  return endpoint(
    (r) => json(container20(Object.values(r.params).at(-1) ?? 'me'), lookup ? 200 : 201),
    { lookup }
  )
}

/**
 * Builds the behaviour of a route once, at start-up, so a request costs one map look-up after
 * route matching. Routes this file does not know answer as generic lookups or writes.
 */
export function endpointFor(route: RouteDefinition): Endpoint {
  const lookup = route.kind === 'lookup'
  const known = route.template.startsWith('/files') || route.template.startsWith('/recycle-files')
  return (
    (known || route.template.endsWith('/v1') ? api10(route.template, lookup) : undefined) ??
    api20(route.template, lookup)
  )
}

/** The file host: `uploadUrl` targets take a body; `Location` targets stream bytes. */
export function storageEndpoint(method: string, path: string): Endpoint | undefined {
  if (path.startsWith(STORAGE_UPLOAD) && (method === 'POST' || method === 'PUT')) {
    const fileId = safeDecode(path.slice(STORAGE_UPLOAD.length))
    return endpoint(
      (r) => json({ ...file20(fileId, ROOT_FOLDER), ...uploadResult(r.received) }, 201),
      { upload: true }
    )
  }
  if (path.startsWith(STORAGE_DOWNLOAD) && (method === 'GET' || method === 'HEAD')) {
    const id = safeDecode(path.slice(STORAGE_DOWNLOAD.length))
    return endpoint(() => ({ type: 'download', id }))
  }
  return undefined
}
