import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier, PageMessage } from '../../ports/notifier.ts';

/** The message attribute each page carries, so a subscription's filter policy can pick pages by report. */
export const REPORT_ID_ATTRIBUTE = 'report_id';

/**
 * SNS's default size limit (a topic's `MaximumMessageSize`, 256 KiB), in bytes of UTF-8. SNS counts the message
 * attributes' names, types and values in it too, so the report_id attribute is counted with the text.
 */
export const MAX_PAGE_BYTES = 262_144;

/** The longest subject SNS takes ("less than 100 characters"). */
export const MAX_SUBJECT_LENGTH = 99;

/**
 * Pages through an SNS topic with `Publish`: the subject (made acceptable to SNS, see `snsSubject`) as `Subject`,
 * the text as `Message`, the page id as the `report_id` String attribute. A page SNS would refuse for its size is
 * refused here, before sending, naming the id: a page cut short could drop the finding that matters. Errors
 * from SNS are not wrapped: the SDK client retries throttling and 5xx answers, and what is left goes to the
 * report job, whose retry and delivery ledger decide what happens next.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(message: PageMessage): Promise<{ messageId: string }> {
    const bytes = pageBytes(message);
    if (bytes > MAX_PAGE_BYTES) {
      throw new Error(
        `page ${message.id} is ${bytes} bytes (its text and ${REPORT_ID_ATTRIBUTE} attribute); ` +
          `SNS takes at most ${MAX_PAGE_BYTES}: not publishing it, nor cutting it`,
      );
    }
    // A subject with nothing printable left falls back to the page id; with neither, SNS's default subject.
    const subject = snsSubject(message.subject) || snsSubject(message.id);
    const out = await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Message: message.text,
        ...(subject ? { Subject: subject } : {}),
        MessageAttributes: {
          [REPORT_ID_ATTRIBUTE]: { DataType: 'String', StringValue: message.id },
        },
      }),
    );
    if (!out.MessageId) {
      throw new Error(`SNS answered Publish for page ${message.id} without a MessageId`);
    }
    return { messageId: out.MessageId };
  }
}

/** What SNS counts against its size limit for a page: the text and the attribute's name, type and value. */
export function pageBytes(message: PageMessage): number {
  return (
    Buffer.byteLength(message.text, 'utf8') +
    Buffer.byteLength(REPORT_ID_ATTRIBUTE, 'utf8') +
    Buffer.byteLength('String', 'utf8') +
    Buffer.byteLength(message.id, 'utf8')
  );
}

/** Characters with a sensible ASCII spelling that Unicode normalization does not give. */
const ASCII_SPELLING: Record<string, string> = {
  '\u2010': '-', // hyphen
  '\u2011': '-', // non-breaking hyphen
  '\u2012': '-', // figure dash
  '\u2013': '-', // en dash
  '\u2014': '-', // em dash
  '\u2015': '-', // horizontal bar
  '\u2212': '-', // minus sign
  '\u00d7': 'x', // multiplication sign
  '\u2026': '...', // ellipsis (NFKD gives this too; kept for clarity)
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u2032': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u2033': '"',
  '\u00ab': '"',
  '\u00bb': '"',
  '\u2022': '*', // bullet
  '\u00b7': '.', // middle dot
  '\u2192': '->',
  '\u2190': '<-',
  '\u2264': '<=',
  '\u2265': '>=',
  '\u2260': '!=',
  '\u2248': '~',
  '\u20ac': 'EUR',
  '\u00a3': 'GBP',
  '\u00df': 'ss',
  '\u00e6': 'ae',
  '\u00c6': 'AE',
  '\u0153': 'oe',
  '\u0152': 'OE',
  '\u00f8': 'o',
  '\u00d8': 'O',
};

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * A subject SNS accepts, from any one-line-ish text: printable ASCII only (what email subscribers and SNS's
 * older, stricter rule both take), beginning with a letter, digit or punctuation mark, under 100 characters.
 * Each user-perceived character (grapheme — an emoji with its modifiers is one) becomes its ASCII spelling:
 * a table for dashes, quotes, '×', '…' and the like, else its compatibility decomposition without accents
 * ('é' → 'e', full-width 'Ａ' → 'A'), else '?'. Line breaks, tabs and other controls become spaces, invisible
 * format characters go, runs of spaces collapse; a subject too long is cut at 96 characters plus '...'.
 */
export function snsSubject(text: string): string {
  let out = '';
  for (const { segment } of graphemes.segment(text)) out += asciiOf(segment);
  out = out.replace(/ +/g, ' ').trim();
  if (out.length > MAX_SUBJECT_LENGTH) {
    out = `${out.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...`;
  }
  return out;
}

function asciiOf(grapheme: string): string {
  if (/^[\x20-\x7e]+$/.test(grapheme)) return grapheme;
  const spelled = ASCII_SPELLING[grapheme];
  if (spelled !== undefined) return spelled;
  if (/^[\s\p{Cc}]+$/u.test(grapheme)) return ' ';
  if (/^\p{Cf}+$/u.test(grapheme)) return '';
  const stripped = grapheme.normalize('NFKD').replace(/\p{M}/gu, '');
  if (stripped !== '' && /^[\x20-\x7e]+$/.test(stripped)) return stripped;
  const first = String.fromCodePoint(grapheme.codePointAt(0) ?? 0x3f);
  return ASCII_SPELLING[first] ?? '?';
}
