/**
 * The demo company's prompt deploys: which version of each feature's prompt is live when, the deploy records
 * its CI pipelines registered (docs/contracts.md §8), and the traffic rules that decide which version a request is
 * served — one plan, so that the records and the traffic agree. Versions switch over during the month: a
 * request is served the version deployed at its start time.
 *
 * Most deploys are clean (reviewed by someone else, eval passed before the deploy, a kill switch, the
 * previous version retired at the switch-over) — `nightly-digest@v3`, the batch feature's only version,
 * `research-agent@v2` and `support-triage@v1`, each deployed before the month, among them. The governance report should find exactly these:
 *
 * - `draft-email@v7`, SERVED_AFTER_RETIRE (critical): retired when v8 deployed (day 9, 14:00 UTC), but one
 *   of the two pods kept the old prompt in its in-process cache and served half of the draft-email requests
 *   with v7 until it was restarted at 22:00.
 * - `rewrite-tone@v4`, NO_REVIEW (high): deployed on day 12 at 17:20 and approved by its own author.
 * - `summarize-thread@v5`, NO_EVAL_GATE (high): deployed on day 14 at 09:30 straight from a merged PR, with
 *   no eval run.
 * - `support-agent@v13-hotfix`, UNREGISTERED_VERSION (critical): edited by hand in the prompt store on day 20
 *   at 16:00 to calm an incident, serving every support-agent request for 36 hours without a deploy record,
 *   until v13 was put back on day 22 at 04:00.
 * - `search-answer@v2`, OUT_OF_ROLLOUT (medium): a canary from day 18, 11:00, for 25 % of the enterprise
 *   cohort; the feature flag's rule also matched about 5 % of pro requests.
 * - `search-answer@v1`, NO_KILL_SWITCH (low): registered before kill switches were required.
 *
 * And one deploy that visibly changes production behaviour, for the deploy-change report: `support-agent@v13`
 * (day 16, 10:00) answers about 60 % longer than v12 (higher cost per request) and more slowly.
 *
 * Days are days of the demo month in UTC (0 or less: the month before); every mid-month deploy is on or
 * before day 22, so every month has them.
 */
import { createHash } from 'node:crypto';
import type { DeployRecord } from '../core/prompts/deploy-record.ts';

/** A moment relative to the demo month: the day of the month (0 or less: the month before) and `HH:MM` UTC. */
type When = readonly [day: number, time: string];

/** How requests reach a version. */
type Serving =
  /** Every request from its deploy until the next main version of the prompt deploys (which retires it). */
  | { kind: 'main' }
  /** From its deploy on, this share of each cohort's requests (the other cohorts: none). */
  | { kind: 'canary'; share: Readonly<Record<string, number>> }
  /** Every request from its deploy until `until` (then the main version again). */
  | { kind: 'window'; until: When };

interface VersionPlan {
  promptId: string;
  version: string;
  deployed: When;
  serving: Serving;
  /** False: served but never registered (no deploy record). */
  registered: boolean;
  author: string;
  approvedBy: string | null;
  /** The eval run's score and how many hours before the deploy it ran; null: no eval. */
  eval: { score: number; hoursBefore: number } | null;
  killSwitch: boolean;
  /** The rollout's cohorts and percent, for a canary. */
  rollout?: { cohorts: string[]; percent: number };
  /** After the next main version deploys, this share of the prompt's requests still gets this one, until `until`. */
  stale?: { until: When; share: number };
  /** How this version changes the requests it serves: output tokens and latency multiplied. */
  effect?: { output: number; latency: number };
}

const MAIN = { kind: 'main' } as const;

const PLAN: readonly VersionPlan[] = [
  {
    promptId: 'draft-email',
    version: 'v7',
    deployed: [-22, '10:15'],
    serving: MAIN,
    registered: true,
    author: 'maria.chen@acme.dev',
    approvedBy: 'tom.okafor@acme.dev',
    eval: { score: 0.88, hoursBefore: 19 },
    killSwitch: true,
    // Anomaly SERVED_AFTER_RETIRE: a pod's stale prompt cache keeps serving v7 after it is retired.
    stale: { until: [9, '22:00'], share: 0.5 },
  },
  {
    promptId: 'draft-email',
    version: 'v8',
    deployed: [9, '14:00'],
    serving: MAIN,
    registered: true,
    author: 'maria.chen@acme.dev',
    approvedBy: 'priya.nair@acme.dev',
    eval: { score: 0.91, hoursBefore: 5 },
    killSwitch: true,
  },
  {
    promptId: 'summarize-thread',
    version: 'v4',
    deployed: [-39, '08:45'],
    serving: MAIN,
    registered: true,
    author: 'jonas.weber@acme.dev',
    approvedBy: 'maria.chen@acme.dev',
    eval: { score: 0.86, hoursBefore: 26 },
    killSwitch: true,
  },
  {
    promptId: 'summarize-thread',
    version: 'v5',
    deployed: [14, '09:30'],
    serving: MAIN,
    registered: true,
    author: 'jonas.weber@acme.dev',
    approvedBy: 'lena.kowalski@acme.dev',
    // Anomaly NO_EVAL_GATE: deployed straight from the merged PR, no eval run.
    eval: null,
    killSwitch: true,
  },
  {
    promptId: 'rewrite-tone',
    version: 'v3',
    deployed: [-64, '15:05'],
    serving: MAIN,
    registered: true,
    author: 'sam.rivera@acme.dev',
    approvedBy: 'tom.okafor@acme.dev',
    eval: { score: 0.83, hoursBefore: 3 },
    killSwitch: true,
  },
  {
    promptId: 'rewrite-tone',
    version: 'v4',
    deployed: [12, '17:20'],
    serving: MAIN,
    registered: true,
    author: 'sam.rivera@acme.dev',
    // Anomaly NO_REVIEW: approved by its own author.
    approvedBy: 'sam.rivera@acme.dev',
    eval: { score: 0.85, hoursBefore: 2 },
    killSwitch: true,
  },
  {
    promptId: 'support-agent',
    version: 'v12',
    deployed: [-17, '11:30'],
    serving: MAIN,
    registered: true,
    author: 'aisha.bello@acme.dev',
    approvedBy: 'jonas.weber@acme.dev',
    eval: { score: 0.9, hoursBefore: 22 },
    killSwitch: true,
  },
  {
    promptId: 'support-agent',
    version: 'v13',
    deployed: [16, '10:00'],
    serving: MAIN,
    registered: true,
    author: 'aisha.bello@acme.dev',
    approvedBy: 'priya.nair@acme.dev',
    eval: { score: 0.92, hoursBefore: 18 },
    killSwitch: true,
    // Clean, but it changes production: about 60 % longer answers, and slower.
    effect: { output: 1.6, latency: 1.15 },
  },
  {
    promptId: 'support-agent',
    version: 'v13-hotfix',
    deployed: [20, '16:00'],
    serving: { kind: 'window', until: [22, '04:00'] },
    // Anomaly UNREGISTERED_VERSION: edited by hand in the prompt store, never registered.
    registered: false,
    author: 'aisha.bello@acme.dev',
    approvedBy: null,
    eval: null,
    killSwitch: false,
    effect: { output: 1.6, latency: 1.15 },
  },
  {
    promptId: 'search-answer',
    version: 'v1',
    deployed: [-88, '13:40'],
    serving: MAIN,
    registered: true,
    author: 'dev.patel@acme.dev',
    approvedBy: 'aisha.bello@acme.dev',
    eval: { score: 0.81, hoursBefore: 30 },
    // Anomaly NO_KILL_SWITCH: registered before kill switches were required.
    killSwitch: false,
  },
  {
    promptId: 'search-answer',
    version: 'v2',
    deployed: [18, '11:00'],
    // Anomaly OUT_OF_ROLLOUT: the flag rule meant for enterprise also matched some pro requests.
    serving: { kind: 'canary', share: { enterprise: 0.25, pro: 0.05 } },
    registered: true,
    author: 'dev.patel@acme.dev',
    approvedBy: 'lena.kowalski@acme.dev',
    eval: { score: 0.87, hoursBefore: 7 },
    killSwitch: true,
    rollout: { cohorts: ['enterprise'], percent: 25 },
  },
  {
    // Clean: the batch feature's prompt, unchanged all month.
    promptId: 'nightly-digest',
    version: 'v3',
    deployed: [-26, '02:10'],
    serving: MAIN,
    registered: true,
    author: 'lena.kowalski@acme.dev',
    approvedBy: 'dev.patel@acme.dev',
    eval: { score: 0.89, hoursBefore: 14 },
    killSwitch: true,
  },
  {
    // Clean: the research agent's prompt, unchanged all month.
    promptId: 'research-agent',
    version: 'v2',
    deployed: [-19, '15:50'],
    serving: MAIN,
    registered: true,
    author: 'priya.nair@acme.dev',
    approvedBy: 'aisha.bello@acme.dev',
    eval: { score: 0.84, hoursBefore: 9 },
    killSwitch: true,
  },
  {
    // Clean: the triage cascade's prompt (both of its models'), unchanged all month.
    promptId: 'support-triage',
    version: 'v1',
    deployed: [-8, '09:05'],
    serving: MAIN,
    registered: true,
    author: 'tom.okafor@acme.dev',
    approvedBy: 'sam.rivera@acme.dev',
    eval: { score: 0.9, hoursBefore: 20 },
    killSwitch: true,
  },
];

/** Every prompt the demo traffic names, with its versions in deploy order. */
export const DEMO_PROMPTS: ReadonlyMap<string, readonly string[]> = (() => {
  const out = new Map<string, string[]>();
  for (const p of PLAN) out.set(p.promptId, [...(out.get(p.promptId) ?? []), p.version]);
  return out;
})();

const HOUR_MS = 3_600_000;

function monthStart(month: string): Date {
  const start = new Date(`${month}-01T00:00:00Z`);
  if (!/^\d{4}-\d{2}$/.test(month) || Number.isNaN(start.getTime()))
    throw new Error(`month: ${JSON.stringify(month)} is not YYYY-MM`);
  return start;
}

function timeOf(start: Date, [day, time]: When): number {
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  return Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), day, hh, mm);
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const hex = (algorithm: string, text: string) => createHash(algorithm).update(text).digest('hex');

/** When each main version of a prompt deploys, in order, and so when the one before it is retired. */
function mainVersions(start: Date, promptId: string): { plan: VersionPlan; at: number }[] {
  return PLAN.filter((p) => p.promptId === promptId && p.serving.kind === 'main')
    .map((plan) => ({ plan, at: timeOf(start, plan.deployed) }))
    .sort((a, b) => a.at - b.at);
}

/**
 * The deploy records of the month's prompt versions, as the CI pipelines registered them (the unregistered
 * hotfix has none). A main version is retired when the next one deploys. The same month gives the same records.
 */
export function demoDeployRecords(month: string): DeployRecord[] {
  const start = monthStart(month);
  const records: DeployRecord[] = [];
  for (const p of PLAN) {
    if (!p.registered) continue;
    const deployed = timeOf(start, p.deployed);
    const mains = mainVersions(start, p.promptId);
    const index = mains.findIndex((m) => m.plan === p);
    const next = index >= 0 ? mains[index + 1] : undefined;
    const evalAt = p.eval ? deployed - p.eval.hoursBefore * HOUR_MS : null;
    const key = `${p.promptId}@${p.version}`;
    records.push({
      prompt_id: p.promptId,
      version: p.version,
      author: p.author,
      approved_by: p.approvedBy,
      approved_at: p.approvedBy ? iso(deployed - 45 * 60_000) : null,
      eval:
        p.eval && evalAt !== null
          ? {
              run_id: `evr_${p.promptId}_${p.version}_${iso(evalAt).slice(0, 10).replaceAll('-', '')}`,
              passed: true,
              score: p.eval.score,
              at: iso(evalAt),
            }
          : null,
      deployed_at: iso(deployed),
      rollout: p.rollout ? { cohorts: [...p.rollout.cohorts], percent: p.rollout.percent } : null,
      kill_switch: p.killSwitch ? `flags/prompts.${p.promptId}.enabled` : null,
      retired_at: next ? iso(next.at) : null,
      change_ref: hex('sha1', `commit ${key}`),
      content_sha256: hex('sha256', `prompt ${key}`),
    });
  }
  return records;
}

/** The prompt version a request is served, and how that version changes the request. */
export interface ServedVersion {
  version: string;
  /** Output tokens are multiplied by this. */
  output: number;
  /** Latency is multiplied by this. */
  latency: number;
}

/**
 * Which version of a prompt serves a request, for a month's traffic: `serve(promptId, ts, cohort, u)` with
 * `u` a uniform draw in [0, 1) (the caller's seeded random, so the traffic stays the same for a seed).
 */
export function promptServing(
  month: string,
): (promptId: string, ts: number, cohort: string, u: number) => ServedVersion {
  const start = monthStart(month);
  interface Timed {
    plan: VersionPlan;
    at: number;
    until: number;
  }
  const byPrompt = new Map<string, { mains: Timed[]; others: Timed[] }>();
  for (const promptId of DEMO_PROMPTS.keys()) {
    const mains = mainVersions(start, promptId).map((m, i, all) => ({
      ...m,
      until: all[i + 1]?.at ?? Number.POSITIVE_INFINITY,
    }));
    const others = PLAN.filter((p) => p.promptId === promptId && p.serving.kind !== 'main').map((plan) => ({
      plan,
      at: timeOf(start, plan.deployed),
      until: plan.serving.kind === 'window' ? timeOf(start, plan.serving.until) : Number.POSITIVE_INFINITY,
    }));
    byPrompt.set(promptId, { mains, others });
  }
  const served = (plan: VersionPlan): ServedVersion => ({
    version: plan.version,
    output: plan.effect?.output ?? 1,
    latency: plan.effect?.latency ?? 1,
  });

  return (promptId, ts, cohort, u) => {
    const prompt = byPrompt.get(promptId);
    if (!prompt) throw new Error(`prompt ${JSON.stringify(promptId)} has no deploy plan`);
    for (const o of prompt.others) {
      if (ts < o.at || ts >= o.until) continue;
      if (o.plan.serving.kind === 'window') return served(o.plan);
      if (o.plan.serving.kind === 'canary' && u < (o.plan.serving.share[cohort] ?? 0)) return served(o.plan);
    }
    const index = prompt.mains.findIndex((m) => ts >= m.at && ts < m.until);
    const current = prompt.mains[index];
    if (!current) throw new Error(`prompt ${JSON.stringify(promptId)} has no version deployed at ${iso(ts)}`);
    const previous = prompt.mains[index - 1];
    const stale = previous?.plan.stale;
    if (previous && stale && ts < timeOf(start, stale.until) && u < stale.share) return served(previous.plan);
    return served(current.plan);
  };
}
