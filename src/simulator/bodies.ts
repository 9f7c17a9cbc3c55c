/**
 * JSON fixtures in the Drive API's shapes (API 1.0 file object and lists, API 2.0 File object and
 * cursor lists). Everything is derived from the ids in the request, so the same request always
 * gets the same bytes and a cache in front of the simulator can be checked byte for byte.
 */

/** Owner number of the seed document's example resource key. */
export const OWNER_NO = '14503002'
/** The `resourceLocation` of the reference's examples. */
export const RESOURCE_LOCATION = 24101

const CREATE_DATE = 1430188697000
const UPDATE_DATE = 1581385436000
const ISO_CREATED = '2015-04-28T11:38:17+09:00'
const ISO_MODIFIED = '2020-02-11T10:43:56+09:00'

/** Children per folder and items in the recycle bin / trash, enough for a few pages. */
export const LIST_TOTAL = 45

export interface DecodedKey {
  readonly owner: string
  readonly no: string
  readonly folder: boolean
}

/** A 1.0 `resourceKey` / 2.0 `fileId`: base64url, no padding, of `owner|no|F|0` (or `D`). */
export function encodeKey(owner: string, no: string | number, folder: boolean): string {
  return Buffer.from(`${owner}|${no}|${folder ? 'D' : 'F'}|0`).toString('base64url')
}

const KEY_PATTERN = /^(\d{1,20})\|(\d{1,20})\|([FD])\|0$/

/** Decodes a key made as {@link encodeKey}; anything else (e.g. `root`) is undefined. */
export function decodeKey(key: string): DecodedKey | undefined {
  if (key.length > 96) return undefined
  const match = KEY_PATTERN.exec(Buffer.from(key, 'base64url').toString('latin1'))
  if (!match) return undefined
  return { owner: match[1]!, no: match[2]!, folder: match[3] === 'D' }
}

/** A stable number for a key that does not decode, so sizes and names stay deterministic. */
function keyNumber(key: string): string {
  const decoded = decodeKey(key)
  if (decoded) return decoded.no
  let hash = 0
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0
  return String(hash)
}

function fileSize(no: string): number {
  return 1024 + (Number(no.slice(-6)) % 9_000_000)
}

/** The API 1.0 file object (`GET /files/{resourceKey}`), as in the seed document's example. */
export function file10(resourceKey: string): Record<string, unknown> {
  const decoded = decodeKey(resourceKey)
  const folder = decoded?.folder ?? false
  const no = keyNumber(resourceKey)
  return {
    resourceSize: folder ? 106937574 : fileSize(no),
    resourceKey,
    resourceLocation: RESOURCE_LOCATION,
    resourceType: folder ? 'folder' : 'file',
    resourcePath: folder ? `/${no}/` : `/${no}/document-${no}.pdf`,
    fileType: folder ? 'folder' : 'pdf',
    folderType: 'my',
    createDate: CREATE_DATE,
    updateDate: UPDATE_DATE,
    accessDate: CREATE_DATE,
    updateUser: decoded?.owner ?? OWNER_NO,
    hasExif: false,
    hasThumbnail: !folder,
    uploaded: true,
    locked: false,
    virus: 'none',
    memberShare: null,
    linkShare: null,
    group: null,
    protected: false,
  }
}

/** Keys of the children of a folder: every fifth child is a folder itself. */
function childKey(parentKey: string, index: number): string {
  const owner = decodeKey(parentKey)?.owner ?? OWNER_NO
  return encodeKey(owner, 900000000000 + index, index % 5 === 4)
}

function page(offset: number, limit: number): { start: number; end: number } {
  const start = Math.min(Math.max(offset, 0), LIST_TOTAL)
  return { start, end: Math.min(start + Math.max(limit, 0), LIST_TOTAL) }
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i)
}

/** API 1.0 `GET /files/{resourceKey}/children`: `{offset, hasMore, items[]}`. */
export function children10(resourceKey: string, offset: number, limit: number) {
  const { start, end } = page(offset, limit)
  const items = range(start, end).map((i) => file10(childKey(resourceKey, i)))
  return { offset: start, hasMore: end < LIST_TOTAL, items }
}

/** API 1.0 `GET /recycle-files`: `{offset, hasMore, items[]}` with the recycle-bin item fields. */
export function recycle10(offset: number, limit: number) {
  const { start, end } = page(offset, limit)
  const items = range(start, end).map((i) => {
    const folder = i % 5 === 4
    const no = String(700000000000 + i)
    return {
      resourceName: folder ? `folder-${no}` : `document-${no}.pdf`,
      resourceSize: folder ? 0 : fileSize(no),
      resourceKey: encodeKey(OWNER_NO, no, folder),
      resourceLocation: RESOURCE_LOCATION,
      resourceType: folder ? 'folder' : 'file',
      originalPath: `/${OWNER_NO}/`,
      updateDate: UPDATE_DATE,
      deleteDate: UPDATE_DATE + 86_400_000,
      hasThumbnail: !folder,
      deleteAccountId: OWNER_NO,
    }
  })
  return { offset: start, hasMore: end < LIST_TOTAL, items }
}

/** API 1.0 answer to restore / copy / move and similar writes on a resource. */
export function written10(resourceKey: string) {
  const decoded = decodeKey(resourceKey)
  return { shareNo: 0, resourceKey, resourceNo: Number(decoded?.no ?? keyNumber(resourceKey)) }
}

/** API 1.0 `getQuota/v1` / `getUserInfo/v1` (shapes not documented in what was found). */
export function quota10() {
  return { totalSize: 107374182400, usedSize: 106937574, userNo: Number(OWNER_NO) }
}

/** The Drive API 2.0 File object, as the API reference documents it. */
export function file20(fileId: string, parentFileId: string | null): Record<string, unknown> {
  const decoded = decodeKey(fileId)
  const folder = decoded?.folder ?? false
  const no = keyNumber(fileId)
  const fileName = folder ? `folder-${no}` : `document-${no}.pdf`
  return {
    fileId,
    parentFileId,
    fileName,
    fileSize: folder ? 0 : fileSize(no),
    filePath: `/${fileName}${folder ? '/' : ''}`,
    fileType: folder ? 'FOLDER' : 'DOC',
    createdTime: ISO_CREATED,
    modifiedTime: ISO_MODIFIED,
    accessedTime: ISO_MODIFIED,
    hasPermission: true,
    permissionRootFileId: null,
    shared: false,
    shareRootFileId: null,
    resourceLocation: RESOURCE_LOCATION,
    statuses: [],
  }
}

/** 2.0 cursors are opaque to clients; here they carry the next offset. */
function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url')
}

function decodeCursor(cursor: string | null): number {
  if (!cursor) return 0
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'))
  return match ? Number(match[1]) : 0
}

/** API 2.0 lists: `{files:[…], responseMetaData:{nextCursor}}`; `count` is 1–200, default 20. */
export function list20(parentFileId: string | null, cursor: string | null, count: number) {
  const { start, end } = page(decodeCursor(cursor), Math.min(Math.max(count, 1), 200))
  const parent = parentFileId ?? encodeKey(OWNER_NO, 1, true)
  const files = range(start, end).map((i) => file20(childKey(parent, i), parentFileId))
  return { files, responseMetaData: { nextCursor: end < LIST_TOTAL ? encodeCursor(end) : null } }
}

/** API 2.0 trash lists, with the trash sort fields. */
export function trash20(cursor: string | null, count: number) {
  const { files, responseMetaData } = list20(null, cursor, count)
  const trashed = files.map((file) => ({
    ...file,
    originalPath: file.filePath,
    deletedTime: ISO_MODIFIED,
  }))
  return { files: trashed, responseMetaData }
}

/** API 2.0 revision object. */
export function revision20(fileId: string, revisionId: string) {
  return { revisionId, fileId, fileSize: fileSize(keyNumber(fileId)), modifiedTime: ISO_MODIFIED }
}

/** API 2.0 container properties (drive, shared folder, sharedrive, group folder). */
export function container20(id: string) {
  return {
    id,
    totalSize: 107374182400,
    usedSize: 106937574,
    trashEmptyCycle: 30,
    resourceLocation: RESOURCE_LOCATION,
  }
}
