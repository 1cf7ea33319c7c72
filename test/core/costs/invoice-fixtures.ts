import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { InvoiceError } from '../../../src/core/costs/cost-line.ts';

/** The text of a sample invoice under test/fixtures/invoices/. */
export function invoiceFixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/invoices/${name}`, import.meta.url), 'utf8');
}

/** Sum of billed costs per key. */
export function billedBy<T>(lines: readonly T[], key: (line: T) => string, cost: (line: T) => number) {
  const sums: Record<string, number> = {};
  for (const line of lines) sums[key(line)] = (sums[key(line)] ?? 0) + cost(line);
  return sums;
}

export interface ExpectedRefusal {
  file: string;
  position: string;
  field: string;
  /** The bad value as quoted in the message (JSON text), when the refusal is about a value. */
  quoted?: string;
}

/**
 * Runs `act`, asserts it threw one InvoiceError naming exactly this file, position and field — in its
 * properties and at the start of its message — with the bad value quoted; returns the message.
 */
export function expectRefusal(act: () => unknown, expected: ExpectedRefusal): string {
  let thrown: unknown;
  try {
    act();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvoiceError);
  const error = thrown as InvoiceError;
  expect({ file: error.file, position: error.position, field: error.field }).toEqual({
    file: expected.file,
    position: expected.position,
    field: expected.field,
  });
  expect(error.message.startsWith(`${expected.file}: ${expected.position}: ${expected.field}: `)).toBe(true);
  if (expected.quoted !== undefined) expect(error.message).toContain(expected.quoted);
  return error.message;
}
