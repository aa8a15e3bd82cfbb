/**
 * Writing: POST (one, many, columns=, upsert), PATCH, PUT and DELETE with filters and row URLs,
 * Prefer return/tx/max-affected, body checks, constraint errors. Each case runs on a fresh copy
 * of the fixture and checks the rows afterwards.
 */
import type { Case } from './case-runner.js';

const authors = 'select id, name, country from authors order by id';
const originalAuthors = [
  { id: 1, name: 'Ursula K. Le Guin', country: 'US' },
  { id: 2, name: 'Italo Calvino', country: 'IT' },
  { id: 3, name: 'Wisława Szymborska', country: 'PL' },
  { id: 4, name: 'Anonymous', country: null },
];
const unchanged = { sql: authors, rows: originalAuthors };

export const writeCases: Case[] = [
  // --- POST ---
  {
    name: 'POST one object: 201, no body, Location',
    method: 'POST', url: '/authors', body: { name: 'Jorge Luis Borges', country: 'AR' },
    status: 201, text: '', expectHeaders: { location: '/authors?id=eq.5' },
    after: { sql: 'select id, name, country from authors where id = 5', rows: [{ id: 5, name: 'Jorge Luis Borges', country: 'AR' }] },
  },
  {
    name: 'POST with return=representation returns the rows',
    method: 'POST', url: '/authors?select=id,name', headers: { Prefer: 'return=representation' }, body: { name: 'Borges' },
    status: 201, json: [{ id: 5, name: 'Borges' }], expectHeaders: { 'preference-applied': 'return=representation' },
  },
  {
    name: 'POST an array inserts all rows in one transaction',
    method: 'POST', url: '/authors', headers: { Prefer: 'return=representation' },
    body: [{ name: 'A', country: 'FR' }, { name: 'B', country: null }],
    status: 201, json: [{ id: 5, name: 'A', country: 'FR' }, { id: 6, name: 'B', country: null }],
  },
  {
    name: 'POST an array with one bad row changes nothing',
    method: 'POST', url: '/authors', body: [{ name: 'New' }, { name: 'Italo Calvino' }],
    status: 409, code: '23505', after: unchanged,
  },
  {
    name: 'POST typed values: boolean, JSON, blob, date',
    method: 'POST', url: '/books?select=id,in_print,meta,cover,published', headers: { Prefer: 'return=representation' },
    body: { title: 'New', author_id: 1, in_print: false, meta: { a: [1, 'x'] }, cover: 'AAEC', published: '2020-02-29' },
    status: 201, json: [{ id: 7, in_print: false, meta: { a: [1, 'x'] }, cover: 'AAEC', published: '2020-02-29' }],
  },
  {
    name: 'POST with columns= uses only those keys',
    method: 'POST', url: '/authors?columns=name', headers: { Prefer: 'return=representation' }, body: { name: 'Only name', country: 'XX' },
    status: 201, json: [{ id: 5, name: 'Only name', country: null }],
  },
  { name: 'POST unknown column is 400 naming it', method: 'POST', url: '/authors', body: { nam: 'x' }, status: 400, code: 'PGRST204', after: unchanged },
  { name: 'POST wrong type is 400', method: 'POST', url: '/books', body: { title: 'x', author_id: 'one' }, status: 400, code: '22P02' },
  { name: 'POST missing NOT NULL column is 400', method: 'POST', url: '/books', body: { title: 'x' }, status: 400, code: '23502' },
  { name: 'POST null into NOT NULL is 400', method: 'POST', url: '/authors', body: { name: null }, status: 400, code: '23502', after: unchanged },
  { name: 'POST a value outside the enum is 400', method: 'POST', url: '/books', body: { title: 'x', author_id: 1, genre: 'horror' }, status: 400, code: '22P02' },
  { name: 'POST a too-long string is 400', method: 'POST', url: '/books', body: { title: 'x', author_id: 1, isbn: '12345678901234' }, status: 400, code: '22001' },
  { name: 'POST breaking a CHECK is 400 23514', method: 'POST', url: '/books', body: { title: 'x', author_id: 1, price: -1 }, status: 400, code: '23514' },
  { name: 'POST breaking a foreign key is 409 23503', method: 'POST', url: '/books', body: { title: 'x', author_id: 99 }, status: 409, code: '23503' },
  { name: 'POST a duplicate is 409 23505', method: 'POST', url: '/authors', body: { name: 'Italo Calvino' }, status: 409, code: '23505', after: unchanged },
  { name: 'POST invalid JSON is 400', method: 'POST', url: '/authors', body: '{"name":', status: 400, code: 'PGRST102', after: unchanged },
  { name: 'POST objects with different keys is 400', method: 'POST', url: '/authors', body: [{ name: 'a' }, { country: 'b' }], status: 400, code: 'PGRST102', after: unchanged },
  { name: 'POST an unsupported Content-Type is 415', method: 'POST', url: '/authors', headers: { 'content-type': 'application/xml' }, body: '<a/>', status: 415, code: 'PGRST107', after: unchanged },
  { name: 'POST to a view is 405', method: 'POST', url: '/book_titles', body: { title: 'x' }, status: 405, code: 'RG102' },
  {
    name: 'POST with tx=rollback answers and keeps nothing',
    method: 'POST', url: '/authors?select=name', headers: { Prefer: 'return=representation, tx=rollback' }, body: { name: 'Ghost' },
    status: 201, json: [{ name: 'Ghost' }], after: unchanged,
  },

  // --- CSV bodies ---
  {
    name: 'POST CSV inserts rows: quotes, commas, newlines, unicode, NULL vs empty',
    method: 'POST', url: '/books?select=title,author_id,pages,in_print,isbn', headers: { 'content-type': 'text/csv', Prefer: 'return=representation' },
    body: 'title,author_id,pages,in_print,isbn\r\n"Comma, ""quoted""",1,35,true,\r\n"Two\nlines",2,,false,""\r\nŁódź,3,0,true,978\r\n',
    status: 201,
    json: [
      { title: 'Comma, "quoted"', author_id: 1, pages: 35, in_print: true, isbn: null },
      { title: 'Two\nlines', author_id: 2, pages: null, in_print: false, isbn: '' },
      { title: 'Łódź', author_id: 3, pages: 0, in_print: true, isbn: '978' },
    ],
  },
  { name: 'POST CSV with a bad value is 400 and writes nothing', method: 'POST', url: '/authors', headers: { 'content-type': 'text/csv' }, body: 'id,name\n9,ok\nx,bad\n', status: 400, code: '22P02', after: unchanged },
  { name: 'POST CSV with a short record is 400', method: 'POST', url: '/authors', headers: { 'content-type': 'text/csv' }, body: 'name,country\nA\n', status: 400, code: 'PGRST102', after: unchanged },
  { name: 'PATCH with CSV is 415', method: 'PATCH', url: '/authors?id=eq.1', headers: { 'content-type': 'text/csv' }, body: 'country\nX\n', status: 415, code: 'PGRST107', after: unchanged },

  // --- upsert ---
  {
    name: 'upsert merge-duplicates updates the existing row',
    method: 'POST', url: '/authors', headers: { Prefer: 'resolution=merge-duplicates, return=representation' },
    body: [{ id: 2, name: 'Italo Calvino', country: 'CU' }, { id: 9, name: 'Nine', country: null }],
    status: 201, json: [{ id: 2, name: 'Italo Calvino', country: 'CU' }, { id: 9, name: 'Nine', country: null }],
    after: { sql: 'select id, country from authors where id in (2, 9) order by id', rows: [{ id: 2, country: 'CU' }, { id: 9, country: null }] },
  },
  {
    name: 'upsert ignore-duplicates keeps the existing row',
    method: 'POST', url: '/authors?on_conflict=name', headers: { Prefer: 'resolution=ignore-duplicates' },
    body: { name: 'Italo Calvino', country: 'XX' }, status: 201, after: unchanged,
  },
  { name: 'on_conflict without a unique constraint is 400', method: 'POST', url: '/authors?on_conflict=country', headers: { Prefer: 'resolution=merge-duplicates' }, body: { name: 'x' }, status: 400, code: '42P10' },

  // --- PATCH ---
  {
    name: 'PATCH with a filter: 204 and the row changed',
    method: 'PATCH', url: '/authors?id=eq.4', body: { country: 'GB' }, status: 204, text: '',
    after: { sql: 'select country from authors where id = 4', rows: [{ country: 'GB' }] },
  },
  {
    name: 'PATCH with return=representation returns changed rows',
    method: 'PATCH', url: '/books?select=id,in_print&genre=eq.fiction', headers: { Prefer: 'return=representation' }, body: { in_print: false },
    status: 200, json: [{ id: 1, in_print: false }, { id: 2, in_print: false }, { id: 3, in_print: false }],
  },
  { name: 'PATCH without a filter is refused', method: 'PATCH', url: '/authors', body: { country: 'X' }, status: 400, code: 'RG100', after: unchanged },
  {
    name: 'PATCH a row URL returns the object',
    method: 'PATCH', url: '/authors/1', headers: { Prefer: 'return=representation' }, body: { country: 'USA' },
    status: 200, json: { id: 1, name: 'Ursula K. Le Guin', country: 'USA' },
  },
  { name: 'PATCH a missing row URL is 404', method: 'PATCH', url: '/authors/99', body: { country: 'X' }, status: 404, code: 'RG404' },
  { name: 'PATCH with a wrong type is 400', method: 'PATCH', url: '/books?id=eq.1', body: { pages: 'many' }, status: 400, code: '22P02' },
  { name: 'PATCH with an empty body is 400', method: 'PATCH', url: '/authors?id=eq.1', body: {}, status: 400, code: 'PGRST102', after: unchanged },
  {
    name: 'PATCH over max-affected (strict) changes nothing',
    method: 'PATCH', url: '/authors?id=gt.1', headers: { Prefer: 'handling=strict, max-affected=2' }, body: { country: 'X' },
    status: 400, code: 'PGRST124', after: unchanged,
  },
  {
    name: 'PATCH singular with two rows is 406 and rolled back',
    method: 'PATCH', url: '/authors?id=in.(1,2)', headers: { Prefer: 'return=representation', Accept: 'application/vnd.pgrst.object+json' }, body: { country: 'X' },
    status: 406, code: 'PGRST116', after: unchanged,
  },

  // --- PUT ---
  {
    name: 'PUT a row URL replaces the row',
    method: 'PUT', url: '/shelves/hall,2', headers: { Prefer: 'return=representation' }, body: { label: 'old' },
    status: 200, json: { room: 'hall', position: 2, label: 'old' },
    after: { sql: "select label from shelves where room = 'hall' and position = 2", rows: [{ label: 'old' }] },
  },
  {
    name: 'PUT a row URL that does not exist creates it',
    method: 'PUT', url: '/shelves/attic,1', body: { label: 'dusty' }, status: 204,
    after: { sql: "select label from shelves where room = 'attic'", rows: [{ label: 'dusty' }] },
  },
  { name: 'PUT with a key that contradicts the URL is 400', method: 'PUT', url: '/authors/1', body: { id: 2, name: 'x', country: null }, status: 400, code: 'PGRST115', after: unchanged },
  { name: 'PUT missing a column is 400', method: 'PUT', url: '/authors/1', body: { name: 'x' }, status: 400, code: 'PGRST102', after: unchanged },
  { name: 'PUT on the table URL is 405', method: 'PUT', url: '/authors', body: { name: 'x', country: null }, status: 405, code: 'PGRST105' },

  // --- DELETE ---
  {
    name: 'DELETE with a filter',
    method: 'DELETE', url: '/notes?mood=is.null', status: 204,
    after: { sql: 'select body from notes', rows: [{ body: 'first' }] },
  },
  {
    name: 'DELETE with return=representation',
    method: 'DELETE', url: '/shelves?room=eq.hall&select=position', headers: { Prefer: 'return=representation' },
    status: 200, json: [{ position: 1 }, { position: 2 }],
  },
  { name: 'DELETE without a filter is refused', method: 'DELETE', url: '/authors', status: 400, code: 'RG100', after: unchanged },
  { name: 'DELETE a referenced row is 409 23503', method: 'DELETE', url: '/authors/1', status: 409, code: '23503', after: unchanged },
  { name: 'DELETE a row URL', method: 'DELETE', url: '/books/6', status: 204, after: { sql: 'select count(*) as n from books', rows: [{ n: 5 }] } },
  { name: 'DELETE a missing row URL is 404', method: 'DELETE', url: '/authors/99', status: 404, code: 'RG404' },
];
