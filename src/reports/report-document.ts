import type { LakeStore } from '../ports/lake-store.ts';
import type { DocumentKind, ReportPeriod } from './report-period.ts';
import { reportId } from './report-period.ts';

export interface ReportFile {
  name: string;
  contentType: string;
  body: string;
}

/**
 * A finished report in every form it is read in: JSON (docs/contracts.md §9) for machines, HTML for the email body and the
 * browser, plain text for the terminal and the email's text part, CSV files to open in a spreadsheet.
 */
export interface ReportDocument {
  kind: DocumentKind;
  period: ReportPeriod;
  id: string;
  subject: string;
  json: unknown;
  html: string;
  text: string;
  /** Written beside the JSON and HTML, and attached to the email. */
  csv: ReportFile[];
  /** Extra JSON files (e.g. the deploy changes of the governance report), written beside the report. */
  extraJson?: ReportFile[];
}

export function reportDocument(
  kind: DocumentKind,
  period: ReportPeriod,
  parts: Omit<ReportDocument, 'kind' | 'period' | 'id'>,
): ReportDocument {
  return { kind, period, id: reportId(kind, period), ...parts };
}

/** Where a report's files go: `reports/<kind>/<period>/`. */
export function reportPrefix(doc: ReportDocument): string {
  return `reports/${doc.kind}/${doc.period.label}/`;
}

export function reportFiles(doc: ReportDocument): ReportFile[] {
  return [
    {
      name: `${doc.kind}.json`,
      contentType: 'application/json',
      body: `${JSON.stringify(doc.json, null, 2)}\n`,
    },
    { name: `${doc.kind}.html`, contentType: 'text/html; charset=utf-8', body: doc.html },
    ...doc.csv,
    ...(doc.extraJson ?? []),
  ];
}

/**
 * Writes the report's files under reports/<kind>/<period>/ (replacing an earlier run's: the newest data wins).
 * The HTML goes last, so a reader who sees it sees the rest too. Returns the keys written.
 */
export async function publishReport(lake: LakeStore, doc: ReportDocument): Promise<string[]> {
  const prefix = reportPrefix(doc);
  const files = reportFiles(doc);
  const ordered = [
    ...files.filter((f) => !f.name.endsWith('.html')),
    ...files.filter((f) => f.name.endsWith('.html')),
  ];
  for (const f of ordered) await lake.put(`${prefix}${f.name}`, Buffer.from(f.body), f.contentType);
  return ordered.map((f) => `${prefix}${f.name}`);
}
