/**
 * RFC 4180 CSV from rows the database rendered as JSON objects: a header line of the output
 * names, CRLF line ends, fields quoted when they hold a comma, quote or line break. NULL is an
 * empty field; an empty string is `""`, so the two stay distinguishable.
 */
export function rowsToCsv(names: readonly string[], rows: readonly string[]): string {
  const lines = [names.map(csvField).join(',')];
  for (const text of rows) {
    const row = JSON.parse(text) as Record<string, unknown>;
    lines.push(names.map((n) => csvValue(row[n])).join(','));
  }
  return lines.join('\r\n') + '\r\n';
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
