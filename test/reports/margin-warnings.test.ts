import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalQueryRunner } from '../../src/adapters/duckdb/local-query-runner.ts';
import { marginReport } from '../../src/reports/margin-report.ts';
import { parseMonth } from '../../src/reports/month.ts';
import { wireEvent } from '../helpers/factories.ts';
import { LakeFixture } from '../helpers/lake-fixture.ts';
import { openReportEngine } from '../helpers/report-engine.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// A cancelled OpenAI stream reports no usage (OpenAI sends it only at the end), so its event may carry 0 input
// tokens: the margin report must not treat those requests as free without a word (issue 12, item 3).

let tmp: { dir: string; remove: () => Promise<void> };
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await tmp.remove();
});

async function warnings(): Promise<string[]> {
  const engine = await openReportEngine(tmp.dir);
  try {
    const month = parseMonth('2026-11');
    if (!month) throw new Error('bad month');
    return (await marginReport(new LocalQueryRunner(engine), month)).warnings;
  } finally {
    engine.close();
  }
}

describe('margin report warnings on input the stream never reported', () => {
  it('names the requests recorded with output and 0 input tokens, and the requests whose input was estimated', async () => {
    const lake = new LakeFixture(tmp.dir);
    await lake.events([
      wireEvent({ status: 'cancelled', input_tokens: 0, cache_read_tokens: 0, output_tokens: 40 }),
      wireEvent({ status: 'cancelled', input_tokens: 0, cache_read_tokens: 0, output_tokens: 10 }),
      wireEvent({
        status: 'cancelled',
        input_tokens: 800,
        output_tokens: 5,
        tags: { input_tokens: 'estimated' },
      }),
      wireEvent({ status: 'ok' }),
    ]);

    const found = await warnings();

    expect(found).toContain(
      'openai: 2 requests recorded output but 0 input tokens (a stream that ended before the provider reported its usage): their input is not costed (give meterStream your own count or estimateTokens as inputTokens)',
    );
    expect(found).toContain(
      'openai: 1 request carries input tokens the app estimated (tag input_tokens=estimated): their input cost is an estimate',
    );
  });

  it('says nothing of the kind when every request reported its input', async () => {
    await new LakeFixture(tmp.dir).events([wireEvent({ status: 'cancelled' }), wireEvent({ status: 'ok' })]);
    expect((await warnings()).filter((w) => /input tokens/.test(w))).toEqual([]);
  });
});
