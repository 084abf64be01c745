/**
 * Reading one CSV block inside a task: the block's bytes (src/io/blocks.ts), then the fast
 * tokenizer or, for dialects it does not handle or on request, papaparse.
 */
import { readBlock, type Block } from './blocks.ts';
import type { Columns } from './csv-columns.ts';
import { fastPathHandles, parseCsvBlock, type CsvParseSpec } from './csv-parse.ts';
import { parseCsvBlockPapa } from './csv-papa.ts';

export type CsvEngine = 'fast' | 'papaparse';

/**
 * Parse the rows a block owns into the columns `keep` (in that order).
 * @example
 * readCsvBlock(splitBlocks(['a.csv'], 64e6)[0]!, spec, 'fast', ['x']);
 */
export function readCsvBlock(block: Block, spec: CsvParseSpec, engine: CsvEngine, keep: string[]): Columns {
  const { data, offset } = readBlock(block);
  const s = { ...spec, keep };
  const where = { path: block.path, offset };
  return engine === 'fast' && fastPathHandles(spec) ? parseCsvBlock(data, s, where) : parseCsvBlockPapa(data, s, where);
}
