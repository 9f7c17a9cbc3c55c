/**
 * Receiver URLs from the environment, for `render.ts`: each from `NAME` or from the file named by
 * `NAME_FILE` (a mounted secret), never from the repository. A bad value throws one line naming
 * the setting.
 */

import { readFileSync } from 'node:fs'
import type { ReceiverTargets } from './config.ts'

export class SettingError extends Error {}

function url(name: string, value: string): string {
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    throw new SettingError(`${name}: expected an http(s) URL`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SettingError(`${name}: expected an http(s) URL, got a ${parsed.protocol} URL`)
  }
  return value
}

/** `NAME` or the trimmed content of the file `NAME_FILE`; both set is an error. */
function fromEnvOrFile(
  env: NodeJS.ProcessEnv,
  name: string,
  required: boolean
): string | undefined {
  const direct = env[name]
  const file = env[`${name}_FILE`]
  if (direct && file) throw new SettingError(`${name}: set ${name} or ${name}_FILE, not both`)
  if (file) {
    let text: string
    try {
      text = readFileSync(file, 'utf8').trim()
    } catch (error) {
      throw new SettingError(`${name}_FILE="${file}": cannot read it (${(error as Error).message})`)
    }
    return url(`${name}_FILE="${file}"`, text)
  }
  if (direct) return url(name, direct)
  if (required) throw new SettingError(`${name}: required (or ${name}_FILE)`)
  return undefined
}

export function receiversFromEnv(env: NodeJS.ProcessEnv): ReceiverTargets {
  const page = fromEnvOrFile(env, 'ALERTMANAGER_PAGE_URL', true)!
  const ticket = fromEnvOrFile(env, 'ALERTMANAGER_TICKET_URL', true)!
  // Alertmanager reads a Slack URL from a file itself, so the file path is passed on as is.
  const slackFile = env.ALERTMANAGER_SLACK_URL_FILE
  const slackUrl = env.ALERTMANAGER_SLACK_URL
  if (slackFile && slackUrl) {
    throw new SettingError(
      'ALERTMANAGER_SLACK_URL: set it or ALERTMANAGER_SLACK_URL_FILE, not both'
    )
  }
  const slack = slackFile
    ? { urlFile: slackFile }
    : slackUrl
      ? { url: url('ALERTMANAGER_SLACK_URL', slackUrl) }
      : undefined
  return { page, ticket, ...(slack && { slack }) }
}
