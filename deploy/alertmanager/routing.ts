/**
 * The one description of how the gateway's alerts reach people: receivers by severity, grouping
 * and timing, and inhibitions pair by pair. `config.ts` renders it as an Alertmanager
 * configuration file and `deploy/kubernetes/manifests.ts` as an AlertmanagerConfig resource.
 * Alert names and severities come from the rules' own source, so routing cannot drift from them.
 */

import {
  ALERT,
  RULE_SETTINGS,
  promDuration,
  type RuleSettings,
  type Severity,
} from '../prometheus/rules.ts'

/** Receiver per severity: `page` wakes someone up, `ticket` waits for working hours. */
export const RECEIVER: Record<Severity, string> = {
  page: 'drive-gateway-page',
  ticket: 'drive-gateway-ticket',
}

/** Labels a notification groups by: one notification per alert and scrape job. */
export const GROUP_BY = ['alertname', 'job'] as const

export interface RouteTiming {
  /** Wait before the first notification of a new group, to batch alerts firing together. */
  readonly groupWait: string
  /** Wait before notifying about alerts added to a group already notified. */
  readonly groupInterval: string
  /** Re-notify a still-firing group after this long. */
  readonly repeatInterval: string
}

const TIMING_SECONDS: Record<Severity, { wait: number; interval: number; repeat: number }> = {
  // A page repeats every 4 h while it fires: the pager escalates, this only reminds.
  page: { wait: 30, interval: 300, repeat: 4 * 3600 },
  // A ticket once a day is enough to keep it open.
  ticket: { wait: 30, interval: 300, repeat: 24 * 3600 },
}

/** The timing of one severity's route, scaled like the rules (`timeScale`). */
export function routeTiming(severity: Severity, s: RuleSettings = RULE_SETTINGS): RouteTiming {
  const t = TIMING_SECONDS[severity]
  return {
    groupWait: promDuration(t.wait * s.timeScale),
    groupInterval: promDuration(t.interval * s.timeScale),
    repeatInterval: promDuration(t.repeat * s.timeScale),
  }
}

export interface AlertRef {
  readonly alertname: string
  readonly severity: Severity
}

export interface Inhibition {
  /** While this alert fires... */
  readonly source: AlertRef
  /** ...this one is not notified... */
  readonly target: AlertRef
  /** ...when both carry the same values of these labels. */
  readonly equal: readonly string[]
  readonly why: string
}

/**
 * Pair by pair, never "a page silences every ticket": each pair is the same condition seen at two
 * severities. `equal` holds every label both alerts keep, so a firing alert only silences its own
 * job's (and, for per-instance alerts, its own instance's) alerts. Alerts summed by job carry no
 * `instance`, so target-down silences only the per-instance store alert of the same instance,
 * never another instance and never a job-wide alert that other instances may be causing.
 */
export const INHIBITIONS: readonly Inhibition[] = [
  {
    source: { alertname: ALERT.burn, severity: 'page' },
    target: { alertname: ALERT.burn, severity: 'ticket' },
    equal: ['job'],
    why: 'the fast burn pages; the slow burn of the same errors adds nothing',
  },
  {
    source: { alertname: ALERT.longRunning, severity: 'page' },
    target: { alertname: ALERT.longRunning, severity: 'ticket' },
    equal: ['job'],
    why: 'the 598 page covers the sustained-598 ticket of the same job',
  },
  {
    source: { alertname: ALERT.longRunning, severity: 'page' },
    target: { alertname: ALERT.longRunningRate, severity: 'ticket' },
    equal: ['job'],
    why: 'the 598 page covers the 598-per-second ticket of the same job',
  },
  {
    source: { alertname: ALERT.targetDown, severity: 'ticket' },
    target: { alertname: ALERT.storeDown, severity: 'ticket' },
    equal: ['job', 'instance'],
    why: 'an instance that cannot be scraped explains its own missing store metric',
  },
]
