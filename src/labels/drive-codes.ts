/**
 * The Drive API's own status and error code table (LINE WORKS Drive API "Response" page), kept
 * as project data: the simulator answers with it, tests iterate over it, and its codes never
 * count against `ERROR_CODE_LABEL_CAP`.
 */
export interface DriveStatus {
  readonly status: number
  readonly reason: string
  readonly description: string
}

export interface DriveErrorCode {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly description: string
}

export const DRIVE_STATUSES: readonly DriveStatus[] = [
  { status: 200, reason: 'OK', description: 'The request succeeded.' },
  {
    status: 201,
    reason: 'Create',
    description: 'The request succeeded and a new resource is created.',
  },
  {
    status: 202,
    reason: 'Accepted',
    description: 'The request has been accepted and under processing (Async).',
  },
  {
    status: 204,
    reason: 'No Content',
    description: 'The request succeeded but there was no entity-body to return.',
  },
  {
    status: 206,
    reason: 'Partial Content',
    description: 'The server has completed a partial GET request.',
  },
  {
    status: 400,
    reason: 'Bad Request',
    description: 'The request failed due to invalid URL parameters.',
  },
  {
    status: 401,
    reason: 'Unauthorized',
    description: 'Authorization failed. Invalid consumer key or authorization.',
  },
  { status: 403, reason: 'Forbidden', description: 'Permission failed.' },
  { status: 404, reason: 'Not Found', description: 'The resource not found.' },
  { status: 405, reason: 'Method Not Allowed', description: 'The HTTP method is not supported' },
  { status: 406, reason: 'Not Acceptable', description: 'Not acceptable' },
  { status: 409, reason: 'Conflict', description: 'The request conflicted with another request.' },
  { status: 429, reason: 'Too Many Request', description: 'Too Many Requests' },
  {
    status: 500,
    reason: 'Internal Server Error',
    description: 'An error occurred in the API server.',
  },
  { status: 501, reason: 'Not Implemented', description: 'The operation is not supported.' },
  { status: 503, reason: 'Service Unavailable', description: 'The API server is not available.' },
  {
    status: 598,
    reason: 'Long Running Transaction',
    description: 'The file operation took over 30 seconds; it may still succeed.',
  },
]

export const DRIVE_ERROR_CODES: readonly DriveErrorCode[] = [
  {
    status: 400,
    code: 'INVALID_PARAMETER',
    message: 'Invalid Parameters',
    description: 'Parameter error',
  },
  { status: 400, code: 'RESOURCE_HAS_VIRUS', message: 'Virus File', description: 'Virus file' },
  {
    status: 400,
    code: 'BAD_REQUEST',
    message: 'Not supported Request',
    description: 'Invalid request',
  },
  {
    status: 400,
    code: 'BLOCKED_EXTENSION_FILE',
    message: 'Blocked Extension File',
    description: 'The type of file restricted from being uploaded or downloaded.',
  },
  { status: 400, code: 'LOCKED_FILE', message: 'Locked File', description: 'Resource locked.' },
  {
    status: 401,
    code: 'UNAUTHORIZED',
    message: 'Authentication Fail',
    description: 'Authentication error (login is required)',
  },
  {
    status: 403,
    code: 'READ_ONLY',
    message: 'Read Only User',
    description: 'Read-only user account',
  },
  {
    status: 403,
    code: 'NOT_SUPPORTED_DURING_STORAGE_MOVE',
    message: 'Not Supported During Storage Move (Change of tenant IDC)',
    description: 'Not supported during OWFS migration.',
  },
  {
    status: 403,
    code: 'AUTH_FAIL',
    message: 'Auth Fail',
    description: 'Shared folder or group folder permission error',
  },
  {
    status: 403,
    code: 'WRITE_PERMISSION_NEEDED',
    message: 'Write Permission Needed',
    description: 'Write permission is required.',
  },
  {
    status: 404,
    code: 'RESOURCE_NOT_FOUND',
    message: 'Resource Not Exist',
    description: 'Resource not found.',
  },
  {
    status: 409,
    code: 'PERMISSION_ALREADY_EXIST',
    message: 'Already Shared or Authorized Resource',
    description: 'Already shared or authorized folder',
  },
  {
    status: 500,
    code: 'INTERNAL_SERVER_ERROR',
    message: 'Internal Server Error',
    description: 'Internal system error',
  },
  {
    status: 501,
    code: 'NOT_SUPPORTED_OPERATION',
    message: 'Not Supported Operation',
    description: 'The operation is not supported.',
  },
  {
    status: 503,
    code: 'SERVICE_MAINTENANCE',
    message: 'Service Not Available',
    description: 'LINE WORKS Drive is not available.',
  },
  {
    status: 598,
    code: 'LONG_RUNNING_TRANSACTION',
    message:
      'Your request is currently being processed. You can check again later to see the request has been processed.',
    description: 'The file operation took over 30 seconds; the request is still likely to succeed.',
  },
]

/**
 * Statuses the table lists without a code of their own; the simulator answers them with the
 * generic Drive body shape so every status has a documented body.
 */
export const STATUS_ONLY_CODES: Readonly<Record<number, string>> = {
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  429: 'TOO_MANY_REQUESTS',
}

/** The API 1.0 API Gateway's authentication and routing errors (`errorCode` shape). */
const API_GATEWAY_ERROR_CODES: readonly string[] = [
  '001',
  '002',
  '024',
  '028',
  '029',
  '041',
  '042',
  '043',
]

/** Codes that are always kept as label values, whatever the cap. */
export const KNOWN_ERROR_CODES: ReadonlySet<string> = new Set([
  ...DRIVE_ERROR_CODES.map((e) => e.code),
  ...Object.values(STATUS_ONLY_CODES),
  ...API_GATEWAY_ERROR_CODES,
])
