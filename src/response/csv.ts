/**
 * RFC 4180 CSV from rows the database rendered as JSON objects: a header line of the output
 * names, CRLF line ends, fields quoted when they hold a comma, quote or line break. NULL is an
 * empty field; an empty string is `""`, so the two stay distinguishable.
 */
export function rowsToCsv(names: readonly string[], rows: readonly string[]): string {
  return csvHeader(names) + csvLines(names, rows);
}

/** The header line, CRLF-terminated. */
export function csvHeader(names: readonly string[]): string {
  return names.map(csvField).join(',') + '\r\n';
}

/** One CRLF-terminated line per row; streamed responses call it once per batch. */
export function csvLines(names: readonly string[], rows: readonly string[]): string {
  let out = '';
  for (const text of rows) {
    const row = JSON.parse(text) as Record<string, unknown>;
    out += names.map((n) => csvValue(row[n])).join(',') + '\r\n';
  }
  return out;
}

function csvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value === '') return '""';
  if (typeof value === 'object') return csvField(JSON.stringify(value));
  return csvField(String(value));
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
