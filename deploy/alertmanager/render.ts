/**
 * Deploy-time rendering of the Alertmanager configuration with real receivers:
 *
 *   ALERTMANAGER_PAGE_URL_FILE=/run/secrets/page-url ALERTMANAGER_TICKET_URL=https://… \
 *     node deploy/alertmanager/render.ts --out /etc/alertmanager/alertmanager.yml
 *
 * Without `--out` it prints the file. Copy `drive-gateway.tmpl` next to it. A bad setting stops
 * with one line naming it and exit code 2.
 */

import { writeFileSync } from 'node:fs'
import { stringify } from 'yaml'
import { buildAlertmanagerConfig } from './config.ts'
import { SettingError, receiversFromEnv } from './receivers-env.ts'

const HEADER =
  '# Rendered by `node deploy/alertmanager/render.ts`; holds receiver URLs: keep it private.\n'

try {
  const text =
    HEADER + stringify(buildAlertmanagerConfig(receiversFromEnv(process.env)), { lineWidth: 0 })
  const at = process.argv.indexOf('--out')
  if (at === -1) process.stdout.write(text)
  else if (!process.argv[at + 1]) throw new SettingError('--out: expected a file path')
  else writeFileSync(process.argv[at + 1]!, text, { mode: 0o600 })
} catch (error) {
  if (!(error instanceof SettingError)) throw error
  console.error(`drive-gateway alertmanager: ${error.message}`)
  process.exit(2)
}
