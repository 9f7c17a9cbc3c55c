/**
 * The methods the gateway passes on, as an `Allow` value: the 405 to CONNECT and the answer to an
 * `OPTIONS` whose `Max-Forwards` reached 0 both name them.
 */
export const PROXIED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'
