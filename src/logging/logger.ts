import type { LogLevel } from '../config/types.ts'

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export type LogFields = Record<string, unknown>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** Lifecycle lines (listening, shutting down) that tools wait for, whatever LOG_LEVEL says. */
  notice(msg: string, fields?: LogFields): void
  /** Whether lines of this level are written, so callers can skip building them. */
  enabled(level: LogLevel): boolean
}

/**
 * One JSON object per line. Callers pass only fields that are safe to log: no header values, no
 * query strings (see the access log), never `Authorization` or `consumerKey`.
 */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line)
): Logger {
  const min = LEVELS[level]
  const line = (lvl: LogLevel, msg: string, fields?: LogFields) =>
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }) + '\n')
  const log = (lvl: LogLevel) => (msg: string, fields?: LogFields) => {
    if (LEVELS[lvl] >= min) line(lvl, msg, fields)
  }
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    notice: (msg, fields) => line('info', msg, fields),
    enabled: (lvl) => LEVELS[lvl] >= min,
  }
}
