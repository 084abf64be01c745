/**
 * The reference CSV path: papaparse splits records and fields, and the same text conversion and
 * column builders as the fast path store the values. Used for dialects the fast tokenizer does not
 * handle (a multi-character delimiter) and with `engine: 'papaparse'`; the tests check that both
 * paths give identical tables. 12–20x slower than the fast path, so never the default.
 */
import type Papa from 'papaparse';
import { lazyDependency } from '../schedulers/modules.ts';
import { lineNumberAt } from './blocks.ts';
import type { Columns } from './csv-columns.ts';
import { ColumnBuilder, suggestDtype } from './csv-convert.ts';
import type { BlockWhere, CsvParseSpec } from './csv-parse.ts';
import { ShoalError, messages } from '../errors.ts';
import { assertUtf8 } from './utf8.ts';

/** @internal papaparse, loaded when a CSV is first parsed or sniffed with it (not at `import 'shoal'`). */
export const papa = lazyDependency<typeof Papa>('papaparse');

/**
 * Parse one block with papaparse into the same columns `parseCsvBlock` makes.
 * @example
 * parseCsvBlockPapa(Buffer.from('x;;y\n1;;a\n'), { names: ['x', 'y'], dtypes: ['int32', 'string'], keep: ['x'],
 *   delimiter: ';;', nullValues: [''], header: true, onBadLines: 'error' }, { path: 'a.csv', offset: 0 });
 */
export function parseCsvBlockPapa(data: Uint8Array, spec: CsvParseSpec, where: BlockWhere): Columns {
  if (spec.encodingErrors !== 'replace') assertUtf8(data, where.path, where.offset, spec.names, spec.delimiter);
  let text = Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8');
  if (where.offset === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstLine = where.offset === 0 ? 1 : lineNumberAt(where.path, where.offset);
  const ncols = spec.names.length;
  const capacity = text.length === 0 ? 0 : text.split('\n').length;
  const keepIdx = spec.keep.map((k) => spec.names.indexOf(k));
  const builders = keepIdx.map((c) => new ColumnBuilder(spec.dtypes[c]!, capacity));
  const nullSet = new Set(spec.nullValues);
  let row = 0;
  let record = 0;
  let lines = 0; // newlines before the current record
  let prevCursor = 0;
  let failure: unknown;
  const countNl = (from: number, to: number) => {
    let k = 0;
    for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) k++;
    return k;
  };
  // papaparse takes one line ending: the one the block's first line uses. A stray CR left at the
  // end of a record (a CRLF line in an LF file) is removed below, as the fast path does.
  const firstNl = text.indexOf('\n');
  const newline = firstNl > 0 && text[firstNl - 1] === '\r' ? '\r\n' : '\n';
  papa().parse<string[]>(text, {
    delimiter: spec.delimiter,
    newline,
    quoteChar: '"',
    escapeChar: '"',
    skipEmptyLines: true,
    step: (res, parser) => {
      try {
        // The record starts at the first non-newline character after the previous one ended.
        let start = prevCursor;
        while (start < text.length && (text[start] === '\n' || text[start] === '\r')) start++;
        lines += countNl(prevCursor, start);
        const line = firstLine + lines;
        lines += countNl(start, res.meta.cursor);
        prevCursor = res.meta.cursor;
        const fields = res.data;
        const lastField = fields[fields.length - 1];
        if (newline === '\n' && lastField?.endsWith('\r')) fields[fields.length - 1] = lastField.slice(0, -1);
        if (fields.length === 1 && fields[0] === '') return;
        if (res.errors.some((e) => e.type === 'Quotes')) throw new ShoalError('ERR_SHOAL_IO', messages.csvUnterminatedQuote(where.path, line));
        if (record++ === 0 && where.offset === 0 && spec.header) {
          if (fields.join('\u0000') !== spec.names.join('\u0000')) throw new ShoalError('ERR_SHOAL_IO', messages.csvHeaderMismatch(where.path, fields, spec.names));
          return;
        }
        if (fields.length !== ncols) {
          const msg = messages.csvFieldCount(where.path, line, ncols, fields.length);
          if (spec.onBadLines === 'error') throw new ShoalError('ERR_SHOAL_IO', msg);
          if (spec.onBadLines === 'warn') console.warn(msg + ' (skipped)');
          return;
        }
        for (let j = 0; j < keepIdx.length; j++) {
          const c = keepIdx[j]!;
          const s = fields[c]!;
          const b = builders[j]!;
          if (nullSet.has(s)) b.setNull(row);
          else if (!b.setText(row, s)) {
            throw new ShoalError('ERR_SHOAL_IO', messages.csvBadValue(where.path, line, spec.names[c]!, s, spec.dtypes[c]!, spec.dtypeSource?.[spec.names[c]!] ?? 'inferred', spec.sampleBytes, suggestDtype(s)));
          }
        }
        row++;
      } catch (e) {
        failure = e;
        parser.abort();
      }
    },
  });
  if (failure) throw failure;
  return { names: spec.keep.slice(), columns: builders.map((b) => b.finish(row)), length: row };
}
