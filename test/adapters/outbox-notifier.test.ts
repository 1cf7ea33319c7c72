import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxNotifier } from '../../src/adapters/local/outbox-notifier.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let tmp: { dir: string; remove: () => Promise<void> };
beforeEach(async () => {
  tmp = await tempDir('outbox-page-');
});
afterEach(async () => {
  await tmp.remove();
});

const ID = 'spend-alerts-2026-12-04-page';
const TEXT = 'Spend alerts for 4 December: 2 critical findings.\n- support-answer v9: cost per request ×3.4';

describe('OutboxNotifier', () => {
  it('writes <lake>/outbox/<id>.page.txt with the subject and the text, and answers <id>@outbox', async () => {
    const notifier = new OutboxNotifier(tmp.dir);
    const subject = 'Spend alerts — 2 critical findings';
    expect(await notifier.publish({ id: ID, subject, text: TEXT })).toEqual({ messageId: `${ID}@outbox` });
    const path = join(tmp.dir, 'outbox', `${ID}.page.txt`);
    expect(notifier.pathOf(ID)).toBe(path);
    expect(await readFile(path, 'utf8')).toBe(`Subject: ${subject}\n\n${TEXT}\n`);
    expect(await readdir(join(tmp.dir, 'outbox'))).toEqual([`${ID}.page.txt`]);
  });

  it('a second page with another id writes another file', async () => {
    const notifier = new OutboxNotifier(tmp.dir);
    await notifier.publish({ id: ID, subject: 'first', text: 'one' });
    await notifier.publish({ id: 'spend-alerts-2026-12-05-page', subject: 'second', text: 'two\n' });
    expect((await readdir(join(tmp.dir, 'outbox'))).sort()).toEqual([
      'spend-alerts-2026-12-04-page.page.txt',
      'spend-alerts-2026-12-05-page.page.txt',
    ]);
    expect(await readFile(notifier.pathOf(ID), 'utf8')).toBe('Subject: first\n\none\n');
    expect(await readFile(notifier.pathOf('spend-alerts-2026-12-05-page'), 'utf8')).toBe(
      'Subject: second\n\ntwo\n',
    );
  });

  it('keeps the subject on one line', async () => {
    const notifier = new OutboxNotifier(tmp.dir);
    await notifier.publish({ id: ID, subject: 'two\r\nlines ', text: 'body' });
    expect(await readFile(notifier.pathOf(ID), 'utf8')).toBe('Subject: two lines\n\nbody\n');
  });

  it('never overwrites a page: a second page for the id is refused, the first kept', async () => {
    const notifier = new OutboxNotifier(tmp.dir);
    await notifier.publish({ id: ID, subject: 'first', text: 'one' });
    await expect(notifier.publish({ id: ID, subject: 'second', text: 'two' })).rejects.toThrow(
      new RegExp(`already holds page ${ID}.*not overwriting`),
    );
    expect(await readFile(notifier.pathOf(ID), 'utf8')).toBe('Subject: first\n\none\n');
    expect(await readdir(join(tmp.dir, 'outbox'))).toEqual([`${ID}.page.txt`]);
  });

  it('rejects an id that cannot be a file name, and writes nothing', async () => {
    const notifier = new OutboxNotifier(tmp.dir);
    for (const bad of ['../../etc/passwd', 'a/b', '']) {
      await expect(notifier.publish({ id: bad, subject: 's', text: 't' })).rejects.toThrow(
        JSON.stringify(bad),
      );
    }
    await expect(readdir(join(tmp.dir, 'outbox'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
