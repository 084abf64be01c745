/** CSV reading: the pieces `readCsv` (src/dataframe) builds on. See README.md. */
export { DTYPES, allocArray, emptyColumn, type Column, type Columns, type Dtype } from './csv-columns.ts';
export { DEFAULT_NULLS, textToDate, textToFloat, textToInt, textToBool } from './csv-convert.ts';
export { parseCsvBlock, fastPathHandles, readRecord, type CsvParseSpec, type BlockWhere } from './csv-parse.ts';
export { parseCsvBlockPapa } from './csv-papa.ts';
export { inferCsvSchema, inferDtype, type CsvSchema, type InferOptions } from './csv-infer.ts';
export { readCsvBlock, type CsvEngine } from './csv-read.ts';
export { formatCsv, writeCsvFile, formatDate, type CsvWriteOptions } from './csv-write.ts';
