import { describe, expect, it } from 'vitest';
import { userHash } from '../../packages/client/src/contract/user-hash.ts';
import { validateEvent } from '../../packages/client/src/contract/validate.ts';
import type { RecordInput } from '../../packages/client/src/record-input.ts';
import { wireEncoder } from '../../packages/client/src/wire-event.ts';

const INPUT: RecordInput = {
  feature: 'draft-email',
  cohort: 'pro',
  userId: 'user-1',
  provider: 'openai',
  model: 'gpt-4o-mini-2024-07-18',
  inputTokens: 120,
  outputTokens: 30,
  status: 'ok',
  startedAt: Date.parse('2026-11-02T10:00:00Z'),
};

describe('wireEncoder', () => {
  it('makes the wire event record() sends: valid, the user id hashed under the key, the time from startedAt', () => {
    const event = wireEncoder('k')(INPUT);

    expect(validateEvent(event, Date.parse('2026-11-02T10:00:01Z')).ok).toBe(true);
    expect(event).toMatchObject({ ts: '2026-11-02T10:00:00.000Z', user_hash: userHash('k', 'user-1') });
  });

  it('leaves the user out without a key, and with an empty one (which anyone could recompute)', () => {
    expect(wireEncoder()(INPUT)).not.toHaveProperty('user_hash');
    expect(wireEncoder('')(INPUT)).not.toHaveProperty('user_hash');
    expect(wireEncoder(new Uint8Array())(INPUT)).not.toHaveProperty('user_hash');
  });
});
