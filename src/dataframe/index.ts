export { DataFrame, type Source } from './frame.ts';
export { Series, type Operand } from './series.ts';
export { Scalar } from './scalar.ts';
export { GroupBy, Aggregation, type AggName, type AggRequest } from './groupby.ts';
export { readCsv, readJson, readArrow, fromArrow, fromRecords, fromDelayed, type ReadCsvOptions } from './create.ts';
export { datasets, timeseries, type TimeseriesOptions } from './datasets.ts';
export type { MergeOptions } from './merge.ts';
export type { ToCsvOptions } from './write.ts';
export type { Dtype } from '../io/csv-columns.ts';
