import type { PromptRegistry } from '../ports/prompt-registry.ts';
import type { QueryRunner } from '../ports/query-runner.ts';
import type { AlertThresholds } from './alert-settings.ts';
import { alertsReport } from './alerts-report.ts';
import { customersReport } from './customers-report.ts';
import { type DeployChangeThresholds, deployChanges } from './deploy-changes.ts';
import { governanceReport } from './governance-report.ts';
import { EmptyMonthError, emptyMonthMessage, marginJson, marginReport } from './margin-report.ts';
import { formatMoney, formatPercent } from './money.ts';
import { alertsCsv, alertsHtml, alertsPage, alertsTable } from './render-alerts.ts';
import { customersCsv, customersHtml, customersSummary, customersTable } from './render-customers.ts';
import { deployChangesCsv, deployChangesTable } from './render-deploy-changes.ts';
import { findingCounts, governanceCsv, governanceHtml, governanceTable } from './render-governance.ts';
import { marginCsv, marginHtml, marginTable } from './render-margin.ts';
import { runsCsv, runsHtml, runsSummary, runsTable } from './render-runs.ts';
import { wasteCsv, wasteHtml, wasteTable } from './render-waste.ts';
import { type ReportDocument, reportDocument, reportPrefix } from './report-document.ts';
import { type DocumentKind, periodText, type ReportPeriod } from './report-period.ts';
import { runsReport } from './runs-report.ts';
import { wasteReport } from './waste-report.ts';

export interface ReportSources {
  queries: QueryRunner;
  /** Needed by the governance report. */
  registry?: PromptRegistry;
  /** When the report is made: decides whether a deploy's 24 h after are over. */
  now: Date;
  /** Thresholds of the deploy-change flags (governance). */
  deployChangeThresholds?: Partial<DeployChangeThresholds>;
  /**
   * Margin: reject a month with neither requests nor invoice lines (`EmptyMonthError`, saying what the lake
   * holds) instead of reporting zeros. The CLI sets it; the scheduled job reports the month as it is.
   */
  refuseEmptyMonth?: boolean;
  /** Runs: a run is a runaway at this many times its feature's median cost per run (default 10). */
  runawayFactor?: number;
  /** Spend alerts: the thresholds set (the rest default). */
  alertThresholds?: Partial<AlertThresholds>;
}

export interface BuiltReport {
  doc: ReportDocument;
  /** Things the reader should know (printed beside the report; the margin report's `warnings`). */
  notes: string[];
  /** Nothing worth an email (spend alerts with no finding): the files are written, no email is sent. */
  quiet?: boolean;
  /** Someone should be paged (spend alerts' critical findings): sent through the notifier, once per report. */
  page?: { subject: string; text: string };
}

/**
 * Runs a report's queries and renders it. Every query must succeed before anything is rendered: a failed
 * query rejects, and there is no partial report to write or send.
 */
export async function buildReport(
  kind: DocumentKind,
  period: ReportPeriod,
  sources: ReportSources,
): Promise<BuiltReport> {
  if (kind === 'margin') {
    if (!period.month) throw new Error(`the margin report covers a month, not ${period.label}`);
    const report = await marginReport(sources.queries, period.month, {
      refuseEmptyMonth: sources.refuseEmptyMonth === true,
    });
    // The email's customers section: only once the margin report found the month worth reporting.
    const customers = await customersReport(sources.queries, period.month);
    const json = marginJson(report);
    const t = json.totals;
    return {
      doc: reportDocument('margin', period, {
        subject: `[tokenledger] Margin ${json.month}: $${formatMoney(t.margin)} on $${formatMoney(t.revenue)} revenue (${formatPercent(t.revenue === 0 ? null : t.margin / t.revenue)})`,
        json,
        html: marginHtml(json, customers),
        text: marginTable(json),
        csv: [
          { name: 'margin.csv', contentType: 'text/csv', body: marginCsv(json) },
          { name: 'customers.csv', contentType: 'text/csv', body: customersCsv(customers) },
        ],
        extraJson: [
          {
            name: 'customers.json',
            contentType: 'application/json',
            body: `${JSON.stringify(customers, null, 2)}\n`,
          },
        ],
      }),
      notes: json.warnings,
    };
  }
  if (kind === 'customers') {
    if (!period.month) throw new Error(`the customers report covers a month, not ${period.label}`);
    const report = await customersReport(sources.queries, period.month);
    if (sources.refuseEmptyMonth && report.rows.length === 0) {
      throw new EmptyMonthError(
        await emptyMonthMessage(
          sources.queries,
          period.month,
          `no requests and no revenue in ${report.month}, so there are no customers to report`,
        ),
      );
    }
    return {
      doc: reportDocument('customers', period, {
        subject: `[tokenledger] Customers ${report.month}: ${customersSummary(report)}`,
        json: report,
        html: customersHtml(report),
        text: customersTable(report),
        csv: [{ name: 'customers.csv', contentType: 'text/csv', body: customersCsv(report) }],
      }),
      notes: [],
    };
  }
  if (kind === 'alerts') {
    const report = await alertsReport(sources.queries, period.from, sources.alertThresholds);
    const doc = reportDocument('alerts', period, {
      subject: `[tokenledger] Spend alerts ${report.day}: ${report.summary.critical} critical, ${report.summary.warning} warning${report.summary.warning === 1 ? '' : 's'}`,
      json: report,
      html: alertsHtml(report),
      text: alertsTable(report),
      csv: [{ name: 'alerts.csv', contentType: 'text/csv', body: alertsCsv(report) }],
    });
    const page = alertsPage(report, reportPrefix(doc));
    return { doc, notes: [], quiet: report.findings.length === 0, ...(page ? { page } : {}) };
  }
  if (kind === 'runs') {
    const { bands, ...report } = await runsReport(
      sources.queries,
      period.from,
      period.to,
      sources.runawayFactor,
    );
    return {
      doc: reportDocument('runs', period, {
        subject: `[tokenledger] Runs ${periodText(period.from, period.to)}: ${runsSummary(report)}`,
        json: report,
        html: runsHtml({ ...report, bands }),
        text: runsTable(report),
        csv: [{ name: 'runs.csv', contentType: 'text/csv', body: runsCsv(report) }],
      }),
      notes: [],
    };
  }
  if (kind === 'waste') {
    const report = await wasteReport(sources.queries, period.from, period.to);
    return {
      doc: reportDocument('waste', period, {
        subject: `[tokenledger] Cancellation waste ${periodText(period.from, period.to)}: $${formatMoney(report.totals.wasted_cost)}`,
        json: report,
        html: wasteHtml(report),
        text: wasteTable(report),
        csv: [{ name: 'waste.csv', contentType: 'text/csv', body: wasteCsv(report) }],
      }),
      notes: [],
    };
  }
  if (!sources.registry) throw new Error('the governance report needs the prompt registry');
  // Both parts read every deploy record: list them once (in AWS, one DynamoDB scan).
  const records = await sources.registry.list();
  const registry = { list: async () => records };
  const [report, changes] = await Promise.all([
    governanceReport(sources.queries, registry, period.from, period.to),
    deployChanges(sources.queries, registry, period.from, period.to, {
      now: sources.now,
      overlapping: true,
      ...(sources.deployChangeThresholds ? { thresholds: sources.deployChangeThresholds } : {}),
    }),
  ]);
  const flagged = changes.changes.filter((c) => c.flags.length > 0).length;
  return {
    doc: reportDocument('governance', period, {
      subject: `[tokenledger] Prompt governance ${periodText(period.from, period.to)}: ${findingCounts(report)}${flagged > 0 ? `, ${flagged} deploy${flagged === 1 ? '' : 's'} changed behaviour` : ''}`,
      json: report,
      html: governanceHtml(report, changes),
      text: `${governanceTable(report)}\n${deployChangesTable(changes)}`,
      csv: [
        { name: 'governance.csv', contentType: 'text/csv', body: governanceCsv(report) },
        { name: 'deploy_changes.csv', contentType: 'text/csv', body: deployChangesCsv(changes) },
      ],
      extraJson: [
        {
          name: 'deploy_changes.json',
          contentType: 'application/json',
          body: `${JSON.stringify(changes, null, 2)}\n`,
        },
      ],
    }),
    notes: [],
  };
}
