import { barChart, emailPage, heading, htmlTable, paragraph, RED } from './html/email-html.ts';
import { csvMoney, csvPercent, formatMoney, formatPercent, formatWhole } from './money.ts';
import { periodText } from './report-period.ts';
import {
  RUN_COST_EDGES,
  RUN_ROW_KEYS,
  type Runaway,
  type RunCostBands,
  type RunRow,
  type RunsReport,
} from './runs-report.ts';
import { renderCsv, renderTable } from './table-format.ts';

/** Runaway runs listed in the HTML and the table; every one is in the CSV and the JSON. */
const LISTED_RUNAWAYS = 20;

const minute = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/** One line: how many runs, how many runaways, and what escalation costs. */
export function runsSummary(report: RunsReport): string {
  const runs = report.rows.reduce((n, r) => n + r.runs, 0);
  const escalated = report.rows.reduce((n, r) => n + r.escalated_runs, 0);
  const runawayCost = report.runaways.reduce((s, r) => s + r.cost, 0);
  if (runs === 0)
    return `No request carried a trace id from ${periodText(report.from, report.to)}: there are no runs to report.`;
  return `${formatWhole(runs)} runs over ${report.rows.length} feature${report.rows.length === 1 ? '' : 's'}; ${formatWhole(escalated)} escalated to another model; ${formatWhole(report.runaways.length)} runaway run${report.runaways.length === 1 ? '' : 's'} costing $${formatMoney(runawayCost)}.`;
}

export function runsTable(report: RunsReport): string {
  const table = renderTable<RunRow>(
    [
      { label: 'feature', value: (r) => r.feature },
      { label: 'runs', value: (r) => formatWhole(r.runs), align: 'right' },
      { label: 'req p50', value: (r) => formatWhole(r.requests_per_run_p50), align: 'right' },
      { label: 'req p95', value: (r) => formatWhole(r.requests_per_run_p95), align: 'right' },
      { label: '$/run p50', value: (r) => formatMoney(r.cost_per_run_p50, 4), align: 'right' },
      { label: '$/run p95', value: (r) => formatMoney(r.cost_per_run_p95, 4), align: 'right' },
      { label: '$/run max', value: (r) => formatMoney(r.cost_per_run_max, 4), align: 'right' },
      { label: 'escalated', value: (r) => formatWhole(r.escalated_runs), align: 'right' },
      { label: 'escalation $', value: (r) => formatPercent(r.escalation_cost_share), align: 'right' },
    ],
    report.rows,
  );
  const lines = [
    `Runs (requests sharing a trace id) per feature, ${periodText(report.from, report.to)} (USD)`,
    '',
    table,
    '',
    runsSummary(report),
  ];
  if (report.runaways.length > 0) {
    lines.push(
      '',
      `Runaway runs (cost ≥ the runaway factor × the feature’s median run), costliest first${report.runaways.length > LISTED_RUNAWAYS ? ` (${LISTED_RUNAWAYS} of ${formatWhole(report.runaways.length)}; all with --format json or csv)` : ''}:`,
      '',
      renderTable<Runaway>(runawayColumns, report.runaways.slice(0, LISTED_RUNAWAYS)),
    );
  }
  return `${lines.join('\n')}\n`;
}

const runawayColumns = [
  { label: 'trace id', value: (r: Runaway) => r.trace_id },
  { label: 'feature', value: (r: Runaway) => r.feature },
  { label: 'requests', value: (r: Runaway) => formatWhole(r.requests), align: 'right' as const },
  { label: 'cost $', value: (r: Runaway) => formatMoney(r.cost, 4), align: 'right' as const },
  { label: 'models', value: (r: Runaway) => r.models.join(', ') },
  { label: 'first (UTC)', value: (r: Runaway) => minute(r.first_ts) },
  { label: 'last (UTC)', value: (r: Runaway) => minute(r.last_ts) },
];

function cell(row: RunRow, key: keyof RunRow): unknown {
  switch (key) {
    case 'cost_per_run_p50':
    case 'cost_per_run_p95':
    case 'cost_per_run_max':
      return csvMoney(row[key], 4);
    case 'escalation_cost_share':
      return csvPercent(row[key]);
    default:
      return row[key];
  }
}

const RUNAWAY_CSV_HEADER = [
  'trace_id',
  'feature',
  'requests',
  'cost',
  'models',
  'first_ts',
  'last_ts',
] as const;

/** One line per feature under RUN_ROW_KEYS, then after an empty line the runaway runs (models joined by `;`). */
export function runsCsv(report: RunsReport): string {
  return `${renderCsv(
    RUN_ROW_KEYS,
    report.rows.map((r) => RUN_ROW_KEYS.map((k) => cell(r, k))),
  )}\n${renderCsv(
    RUNAWAY_CSV_HEADER,
    report.runaways.map((r) => [
      r.trace_id,
      r.feature,
      r.requests,
      csvMoney(r.cost, 4),
      r.models.join(';'),
      r.first_ts,
      r.last_ts,
    ]),
  )}`;
}

/** The label of cost band `i` (RUN_COST_EDGES): `< $0.0001`, `$0.01–0.03`, `≥ $10`. */
export function bandLabel(i: number): string {
  const edge = (v: number | undefined) => String(v);
  if (i === 0) return `< $${edge(RUN_COST_EDGES[0])}`;
  if (i === RUN_COST_EDGES.length) return `≥ $${edge(RUN_COST_EDGES.at(-1))}`;
  return `$${edge(RUN_COST_EDGES[i - 1])}–${edge(RUN_COST_EDGES[i])}`;
}

/** A feature's runs per cost band, from its cheapest band with runs to its dearest: a histogram as bars. */
function distribution(bands: RunCostBands, p50: number): string {
  const used = bands.runs.map((n, i) => ({ n, i })).filter((b) => b.n > 0);
  const first = used[0]?.i ?? 0;
  const last = used.at(-1)?.i ?? -1;
  const median = bandOf(p50);
  return barChart(
    `${bands.feature}: runs by cost per run`,
    bands.runs.slice(first, last + 1).map((n, k) => ({
      label: bandLabel(first + k),
      value: n,
      display: formatWhole(n),
      ...(first + k >= median + 2 && n > 0 ? { color: RED } : {}),
    })),
    240,
  );
}

/** The band a cost falls in. */
function bandOf(cost: number): number {
  const i = RUN_COST_EDGES.findIndex((edge) => cost < edge);
  return i === -1 ? RUN_COST_EDGES.length : i;
}

export function runsHtml(report: RunsReport & { bands?: readonly RunCostBands[] }): string {
  const bands = new Map((report.bands ?? []).map((b) => [b.feature, b]));
  const shown = report.runaways.slice(0, LISTED_RUNAWAYS);
  return emailPage(
    `Runs per feature — ${periodText(report.from, report.to)}`,
    runsSummary(report),
    [
      heading('Per feature'),
      htmlTable<RunRow>(
        [
          { label: 'Feature', value: (r) => r.feature },
          { label: 'Runs', value: (r) => formatWhole(r.runs), align: 'right' },
          { label: 'Req p50', value: (r) => formatWhole(r.requests_per_run_p50), align: 'right' },
          { label: 'Req p95', value: (r) => formatWhole(r.requests_per_run_p95), align: 'right' },
          { label: '$/run p50', value: (r) => formatMoney(r.cost_per_run_p50, 4), align: 'right' },
          { label: '$/run p95', value: (r) => formatMoney(r.cost_per_run_p95, 4), align: 'right' },
          { label: '$/run max', value: (r) => formatMoney(r.cost_per_run_max, 4), align: 'right' },
          { label: 'Escalated', value: (r) => formatWhole(r.escalated_runs), align: 'right' },
          { label: 'Escalation $', value: (r) => formatPercent(r.escalation_cost_share), align: 'right' },
        ],
        report.rows,
        'No request carried a trace id in this period.',
      ),
      ...(report.rows.length > 0
        ? [
            heading('Cost per run'),
            paragraph(
              'Runs per cost band (half a decade each); red: two bands or more above the band of the feature’s median run, about 10× its cost.',
            ),
          ]
        : []),
      ...report.rows.flatMap((r) => {
        const b = bands.get(r.feature);
        return b ? [distribution(b, r.cost_per_run_p50)] : [];
      }),
      heading(
        `Runaway runs (${formatWhole(report.runaways.length)})${report.runaways.length > LISTED_RUNAWAYS ? `: the costliest ${LISTED_RUNAWAYS}, all in the CSV` : ''}`,
      ),
      htmlTable<Runaway>(
        runawayColumns.map((c) => ({ ...c, label: c.label.charAt(0).toUpperCase() + c.label.slice(1) })),
        shown,
        'No runaway run in this period.',
      ),
    ],
    'tokenledger runs report: a run is the requests sharing a trace id; its feature is its first request’s; percentiles are nearest-rank.',
  );
}
