/** Text and HTML descriptions of a DataFrame: schema and partition count, nothing computed. */
import { escapeHtml } from '../diagnostics/notebook.ts';
import type { DataFrame } from './frame.ts';

/** `DataFrame(npartitions=8, columns=[timestamp: date, id: int32, …])` */
export function reprText(df: DataFrame): string {
  const cols = df.meta.names.map((n, i) => `${n}: ${df.meta.dtypes[i]}`).join(', ');
  return `DataFrame(npartitions=${df.npartitions}, columns=[${cols}])`;
}


/** A small HTML table: one row per column with its dtype, and the partition count (like Dask's `_repr_html_`). */
export function reprHtml(df: DataFrame): string {
  const rows = df.meta.names.map((n, i) => `<tr><th>${escapeHtml(n)}</th><td>${df.meta.dtypes[i]}</td></tr>`).join('');
  return (
    `<div><strong>shoal DataFrame</strong> <span>npartitions=${df.npartitions}</span>` +
    `<table><thead><tr><th>column</th><th>dtype</th></tr></thead><tbody>${rows}</tbody></table></div>`
  );
}
