/**
 * The Alertmanager configuration file, rendered from `routing.ts`. `deploy/generate.ts` writes
 * `deploy/alertmanager/alertmanager.yml` with the docker-compose demo's receivers (a local
 * webhook sink); `render.ts` writes the same configuration with real receiver URLs at deploy
 * time, since Alertmanager 0.25 reads webhook URLs only from its configuration file.
 */

import { RULE_SETTINGS, type RuleSettings, type Severity } from '../prometheus/rules.ts'
import { GROUP_BY, INHIBITIONS, RECEIVER, routeTiming, type AlertRef } from './routing.ts'

/** The template file shipped beside the configuration (paths resolve from the config's folder). */
export const TEMPLATE_FILE = 'drive-gateway.tmpl'

export interface ReceiverTargets {
  /** Webhook URL per severity; Alertmanager POSTs its JSON payload there. */
  readonly page: string
  readonly ticket: string
  /** Optional Slack incoming webhook, told about pages and tickets with the shipped templates. */
  readonly slack?: { readonly url?: string; readonly urlFile?: string }
}

/** The docker-compose demo's receivers: the `alert-sink` service, which logs what it gets. */
export const COMPOSE_RECEIVERS: ReceiverTargets = {
  page: 'http://alert-sink:9095/page',
  ticket: 'http://alert-sink:9095/ticket',
}

const matchers = (ref: Partial<AlertRef>) => Object.entries(ref).map(([k, v]) => `${k}="${v}"`)

function receiver(severity: Severity, targets: ReceiverTargets) {
  const slack = targets.slack
  return {
    name: RECEIVER[severity],
    webhook_configs: [{ url: targets[severity], send_resolved: true }],
    ...(slack && {
      slack_configs: [
        {
          ...(slack.urlFile ? { api_url_file: slack.urlFile } : { api_url: slack.url }),
          send_resolved: true,
          title: '{{ template "drive_gateway.title" . }}',
          text: '{{ template "drive_gateway.text" . }}',
        },
      ],
    }),
  }
}

export function buildAlertmanagerConfig(
  targets: ReceiverTargets,
  settings: RuleSettings = RULE_SETTINGS
) {
  const timing = (severity: Severity) => {
    const t = routeTiming(severity, settings)
    return {
      group_wait: t.groupWait,
      group_interval: t.groupInterval,
      repeat_interval: t.repeatInterval,
    }
  }
  return {
    route: {
      // Anything without a known severity still reaches someone, as a ticket.
      receiver: RECEIVER.ticket,
      group_by: [...GROUP_BY],
      ...timing('ticket'),
      routes: (['page', 'ticket'] as const).map((severity) => ({
        matchers: matchers({ severity }),
        receiver: RECEIVER[severity],
        ...timing(severity),
      })),
    },
    inhibit_rules: INHIBITIONS.map((i) => ({
      source_matchers: matchers(i.source),
      target_matchers: matchers(i.target),
      equal: [...i.equal],
    })),
    receivers: (['page', 'ticket'] as const).map((severity) => receiver(severity, targets)),
    templates: [TEMPLATE_FILE],
  }
}
