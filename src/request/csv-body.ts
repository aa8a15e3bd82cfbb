/**
 * CSV request bodies (RFC 4180) for bulk inserts: a header line of column names, then one record
 * per row. Quoted fields may hold commas, quotes (doubled) and line breaks. An empty unquoted field
 * is NULL and `""` the empty string, the same convention rowgate's CSV responses use, so an export
 * imports back unchanged. Values stay text here; the execute stage converts them to column types.
 */
import { errors } from '../errors/catalog.js';

/** `id,name\r\n1,"a, b"\r\n` -> [['id','name'],['1','a, b']]; null marks an empty unquoted field. */
export function parseCsv(text: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // a byte-order mark is not part of the first name
  while (i < n) {
    let field: string | null;
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw errors.invalidBody('Invalid CSV: a quoted field is not closed');
        value += text.slice(i, q);
        i = q + 1;
        if (text[i] === '"') {
          value += '"';
          i++;
        } else break;
      }
      if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
        throw errors.invalidBody(`Invalid CSV: unexpected character after a quoted field in record ${records.length + 1}`);
      }
      field = value;
    } else {
      let end = i;
      while (end < n && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      const raw = text.slice(i, end);
      if (raw.includes('"')) throw errors.invalidBody(`Invalid CSV: a quote inside an unquoted field in record ${records.length + 1}`);
      field = raw === '' ? null : raw;
      i = end;
    }
    record.push(field);
    if (text[i] === ',') {
      i++;
      if (i === n) record.push(null);
      continue;
    }
    // End of record: CRLF, LF or end of text.
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    records.push(record);
    record = [];
  }
  return records;
}

/** Records -> row objects keyed by the header; every record must have the header's field count. */
export function csvRows(text: string): { columns: string[]; rows: Record<string, string | null>[] } {
  const records = parseCsv(text);
  if (records.length === 0) throw errors.invalidBody('Invalid CSV: the body has no header line');
  const header = records[0].map((h, k) => {
    if (h === null || h === '') throw errors.invalidBody(`Invalid CSV: column ${k + 1} of the header has no name`);
    return h;
  });
  const rows = records.slice(1).map((r, k) => {
    if (r.length !== header.length) {
      throw errors.invalidBody(`Invalid CSV: record ${k + 2} has ${r.length} fields, the header has ${header.length}`);
    }
    const row: Record<string, string | null> = {};
    header.forEach((h, j) => (row[h] = r[j]));
    return row;
  });
  return { columns: header, rows };
}
