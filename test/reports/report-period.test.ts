import { describe, expect, it } from 'vitest';
import { jobPeriod, parseDay, periodText, reportId } from '../../src/reports/report-period.ts';

describe('jobPeriod', () => {
  it('reports yesterday (UTC) for the daily jobs when the event names no period', () => {
    const p = jobPeriod('governance', undefined, new Date('2026-11-27T06:00:00Z'));
    expect(p).toEqual({ label: '2026-11-26_2026-11-27', from: '2026-11-26', to: '2026-11-27' });
    expect(reportId('governance', p)).toBe('governance-2026-11-26_2026-11-27');
  });

  it('takes the UTC day, not the local one, just after midnight UTC and across a year', () => {
    expect(jobPeriod('waste', undefined, new Date('2027-01-01T00:00:01Z')).label).toBe(
      '2026-12-31_2027-01-01',
    );
    expect(jobPeriod('waste', undefined, new Date('2027-01-01T23:59:59+05:00')).label).toBe(
      '2026-12-31_2027-01-01',
    );
  });

  it('reports last month for the margin job, January reporting December', () => {
    const p = jobPeriod('margin', undefined, new Date('2027-01-03T07:00:00Z'));
    expect(p.label).toBe('2026-12');
    expect(p.from).toBe('2026-12-01');
    expect(p.to).toBe('2027-01-01');
    expect(reportId('margin', p)).toBe('margin-2026-12');
  });

  it('runs the period the event asks for, one day or one month', () => {
    const now = new Date('2026-11-27T06:00:00Z');
    expect(jobPeriod('waste', '2026-02-28', now).label).toBe('2026-02-28_2026-03-01');
    expect(jobPeriod('margin', '2026-10', now).label).toBe('2026-10');
  });

  it('refuses a period of the wrong shape, naming it', () => {
    const now = new Date('2026-11-27T06:00:00Z');
    expect(() => jobPeriod('margin', '2026-10-01', now)).toThrow(
      'period "2026-10-01" is not a month YYYY-MM',
    );
    expect(() => jobPeriod('governance', '2026-10', now)).toThrow('period "2026-10" is not a day YYYY-MM-DD');
    expect(() => jobPeriod('waste', '2026-02-30', now)).toThrow('"2026-02-30"');
  });
});

describe('parseDay', () => {
  it('accepts calendar days only', () => {
    expect(parseDay('2028-02-29')).toBe(Date.parse('2028-02-29T00:00:00Z'));
    expect(parseDay('2026-02-29')).toBeNull();
    expect(parseDay('2026-1-01')).toBeNull();
  });
});

describe('periodText', () => {
  it('says a period as people do: one day, or first to last day inclusive', () => {
    expect(periodText('2026-11-26', '2026-11-27')).toBe('2026-11-26');
    expect(periodText('2026-10-01', '2026-11-01')).toBe('2026-10-01 to 2026-10-31');
    expect(periodText('2028-02-01', '2028-03-01')).toBe('2028-02-01 to 2028-02-29');
  });
});
