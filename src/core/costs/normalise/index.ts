/**
 * Provider invoices to normalised cost lines (docs/contracts.md §5). Pure: takes the file's text and its name, and
 * either returns every line of the file or throws ONE `InvoiceError` naming the file, the position and
 * the field, with the bad value quoted — a file with one bad line is refused whole.
 */
import { type CostLine, INVOICE_FORMATS, type InvoiceFormat } from '../cost-line.ts';
import { normaliseAnthropicCostReport } from './anthropic-cost-report.ts';
import { normaliseFocus } from './focus.ts';
import { normaliseOpenAiCosts } from './openai-costs.ts';
import { fail, fileBody, type NormaliseOptions, quote } from './values.ts';

export { normaliseAnthropicCostReport } from './anthropic-cost-report.ts';
export {
  callUnitScale,
  classifyTokenText,
  findModelId,
  findServiceTier,
  namesLongContext,
  namesWebSearch,
  normaliseFocus,
  tokenUnitScale,
} from './focus.ts';
export { normaliseOpenAiCosts, parseOpenAiLineItem } from './openai-costs.ts';
export type { NormaliseOptions } from './values.ts';

const NORMALISERS: Readonly<
  Record<InvoiceFormat, (text: string, sourceFile: string, options: NormaliseOptions) => CostLine[]>
> = {
  'openai-costs': normaliseOpenAiCosts,
  'anthropic-cost-report': normaliseAnthropicCostReport,
  focus: normaliseFocus,
};

/**
 * Every cost line of one invoice file, in file order. `format` is checked at run time too (it comes from
 * a CLI flag or an S3 key); a UTF-8 byte order mark is ignored; an empty file is refused. With `usdOnly`
 * (the CLI and the invoice import: reports are in USD), a line in another currency refuses the file, named
 * by its position and currency field.
 */
export function normaliseInvoice(
  text: string,
  format: InvoiceFormat,
  sourceFile: string,
  options: NormaliseOptions = {},
): CostLine[] {
  const name: string = format;
  if (!(INVOICE_FORMATS as readonly string[]).includes(name)) {
    fail(
      { file: sourceFile, position: 'whole file' },
      'format',
      `unknown invoice format ${quote(name)}; expected one of ${INVOICE_FORMATS.join(', ')}`,
    );
  }
  return NORMALISERS[format](fileBody(text, sourceFile), sourceFile, options);
}
