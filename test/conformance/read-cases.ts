/**
 * Reading in PostgREST's grammar: select, filters, logic trees, order, ranges, counts, singular
 * responses and row URLs, on the conformance fixture (test/fixtures). Engine-neutral.
 */
import type { Case } from './case-runner.js';

const book1 = {
  id: 1,
  title: 'The Dispossessed',
  author_id: 1,
  price: 9.99,
  pages: 387,
  in_print: true,
  genre: 'fiction',
  meta: { awards: ['Hugo', 'Nebula'], series: { name: 'Hainish', n: 6 } },
  cover: 'iVBORw==',
  published: '1974-05-01',
  isbn: '9780061054884',
};

export const readCases: Case[] = [
  // --- select ---
  { name: 'select=* returns every column with JSON types', url: '/books?id=eq.1', status: 200, json: [book1] },
  { name: 'no select means every column', url: '/books?id=eq.1&select=*', status: 200, json: [book1] },
  { name: 'select columns keeps their order', url: '/authors?select=name,id&id=lt.3&order=id', status: 200, json: [{ name: 'Ursula K. Le Guin', id: 1 }, { name: 'Italo Calvino', id: 2 }] },
  { name: 'alias renames a column', url: '/authors?select=who:name&id=eq.2', status: 200, json: [{ who: 'Italo Calvino' }] },
  { name: 'cast to text', url: '/books?select=id::text,price::text&id=eq.5', status: 200, json: [{ id: '5', price: '14.25' }] },
  { name: 'alias with cast', url: '/books?select=n:pages::text&id=eq.2', status: 200, json: [{ n: '183' }] },
  { name: 'cast to an unknown type is 400', url: '/books?select=id::frobnicate', status: 400, code: '42704' },
  { name: 'unknown column in select is 400 with a hint', url: '/books?select=titel', status: 400, code: '42703', json: { code: '42703', message: 'column books.titel does not exist', details: null, hint: 'Perhaps you meant to reference the column "books.title".' } },
  { name: 'JSON path ->> in select', url: '/books?select=id,meta->series->>name&id=eq.1', status: 200, json: [{ id: 1, name: 'Hainish' }] },
  { name: 'JSON path -> keeps JSON', url: '/books?select=awards:meta->awards&id=eq.1', status: 200, json: [{ awards: ['Hugo', 'Nebula'] }] },
  { name: 'booleans are true/false', url: '/books?select=id,in_print&id=in.(3,4)&order=id', status: 200, json: [{ id: 3, in_print: true }, { id: 4, in_print: false }] },
  { name: 'NULL is null', url: '/books?select=price&id=eq.4', status: 200, json: [{ price: null }] },

  // --- filters ---
  { name: 'eq', url: '/authors?select=id&country=eq.IT', status: 200, json: [{ id: 2 }] },
  { name: 'neq excludes NULL like SQL', url: '/authors?select=id&country=neq.US&order=id', status: 200, json: [{ id: 2 }, { id: 3 }] },
  { name: 'gt/gte/lt/lte', url: '/books?select=id&price=gte.9.99&price=lt.14.25&order=id', status: 200, json: [{ id: 1 }, { id: 3 }] },
  { name: 'gt on an integer', url: '/books?select=id&pages=gt.200&order=id', status: 200, json: [{ id: 1 }, { id: 5 }] },
  { name: 'like is case sensitive, * is %', url: '/books?select=id&title=like.*of*&order=id', status: 200, json: [{ id: 2 }, { id: 5 }] },
  { name: 'like does not match other case', url: '/books?select=id&title=like.the*', status: 200, json: [] },
  { name: 'ilike ignores case', url: '/books?select=id&title=ilike.the*', status: 200, json: [{ id: 1 }] },
  { name: 'match is a regular expression', url: '/books?select=id&title=match.^[AI]&order=id', status: 200, json: [{ id: 2 }, { id: 3 }] },
  { name: 'imatch ignores case', url: '/books?select=id&title=imatch.^the', status: 200, json: [{ id: 1 }] },
  { name: 'an invalid regular expression is 400', url: '/books?select=id&title=match.(', status: 400, code: '22023' },
  { name: 'in list', url: '/books?select=id&id=in.(2,5,99)&order=id', status: 200, json: [{ id: 2 }, { id: 5 }] },
  { name: 'in with quoted values holding commas', url: '/books?select=id&title=in.("Beowulf, \\"translated\\"",Invisible Cities)&order=id', status: 200, json: [{ id: 3 }, { id: 6 }] },
  { name: 'in with an empty list matches nothing', url: '/books?select=id&id=in.()', status: 200, json: [] },
  { name: 'is.null', url: '/authors?select=id&country=is.null', status: 200, json: [{ id: 4 }] },
  { name: 'is.not_null', url: '/authors?select=id&country=is.not_null&order=id', status: 200, json: [{ id: 1 }, { id: 2 }, { id: 3 }] },
  { name: 'is.true / is.false', url: '/books?select=id&in_print=is.false&order=id', status: 200, json: [{ id: 4 }, { id: 6 }] },
  { name: 'isdistinct treats NULL as a value', url: '/authors?select=id&country=isdistinct.US&order=id', status: 200, json: [{ id: 2 }, { id: 3 }, { id: 4 }] },
  { name: 'not.eq', url: '/authors?select=id&id=not.eq.1&order=id', status: 200, json: [{ id: 2 }, { id: 3 }, { id: 4 }] },
  { name: 'not.in', url: '/books?select=id&id=not.in.(1,2,3,4)&order=id', status: 200, json: [{ id: 5 }, { id: 6 }] },
  { name: 'not.is.null', url: '/authors?select=id&country=not.is.null&order=id', status: 200, json: [{ id: 1 }, { id: 2 }, { id: 3 }] },
  { name: 'eq(any) quantifier', url: '/books?select=id&id=eq(any).{1,3}&order=id', status: 200, json: [{ id: 1 }, { id: 3 }] },
  { name: 'like(all) quantifier', url: '/books?select=id&title=like(all).{*i*,*s*}&order=id', status: 200, json: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }] },
  { name: 'filter on a boolean with true', url: '/books?select=id&in_print=eq.false&order=id', status: 200, json: [{ id: 4 }, { id: 6 }] },
  { name: 'order by a JSON path', url: '/books?select=id&meta->series->>n=not.is.null&order=meta->series->>n.desc', status: 200, json: [{ id: 1 }, { id: 2 }] },
  { name: 'filter on a JSON path', url: '/books?select=id&meta->series->>name=eq.Earthsea', status: 200, json: [{ id: 2 }] },
  { name: 'unicode values', url: `/authors?select=id&name=eq.${encodeURIComponent('Wisława Szymborska')}`, status: 200, json: [{ id: 3 }] },
  { name: 'a value that is not an integer is 400', url: '/books?id=eq.abc', status: 400, code: '22P02' },
  { name: 'a value that is not a boolean is 400', url: '/books?in_print=eq.maybe', status: 400, code: '22P02' },
  { name: 'unknown column in a filter is 400', url: '/books?titl=eq.x', status: 400, code: '42703' },
  { name: 'unknown operator is 400', url: '/books?id=equals.1', status: 400, code: 'PGRST100' },
  { name: 'filter without operator is 400', url: '/books?id=1', status: 400, code: 'PGRST100' },

  // --- full-text search ---
  { name: 'fts finds a word', url: '/books?select=id&title=fts.wizard', status: 200, json: [{ id: 2 }] },
  { name: 'fts with a language', url: '/books?select=id&title=fts(english).cities', status: 200, json: [{ id: 3 }] },
  { name: 'fts with operators', url: `/books?select=id&title=fts.${encodeURIComponent('(wizard | memos) & !earthsea')}`, status: 200, json: [{ id: 4 }] },
  { name: 'fts with a prefix', url: `/books?select=id&title=fts.${encodeURIComponent('invis:*')}`, status: 200, json: [{ id: 3 }] },
  { name: 'plfts matches every word', url: '/books?select=id&title=plfts.sand grain', status: 200, json: [{ id: 5 }] },
  { name: 'phfts matches the phrase', url: '/books?select=id&title=phfts.grain of sand', status: 200, json: [{ id: 5 }] },
  { name: 'wfts: phrases, or', url: `/books?select=id&title=wfts.${encodeURIComponent('"invisible cities" or memos')}&order=id`, status: 200, json: [{ id: 3 }, { id: 4 }] },
  { name: 'not.fts', url: '/books?select=id&title=not.fts.wizard&id=lt.4&order=id', status: 200, json: [{ id: 1 }, { id: 3 }] },
  { name: 'fts in a logic tree', url: '/books?select=id&or=(title.fts.wizard,id.eq.1)&order=id', status: 200, json: [{ id: 1 }, { id: 2 }] },
  { name: 'a broken fts query is 400', url: `/books?select=id&title=fts.${encodeURIComponent('wizard &')}`, status: 400, code: '42601' },

  // --- logic trees ---
  { name: 'or', url: '/books?select=id&or=(id.eq.1,id.eq.5)&order=id', status: 200, json: [{ id: 1 }, { id: 5 }] },
  { name: 'and inside or', url: '/books?select=id&or=(id.eq.1,and(genre.eq.poetry,price.gt.10))&order=id', status: 200, json: [{ id: 1 }, { id: 5 }] },
  { name: 'not.or', url: '/books?select=id&not.or=(id.lt.3,id.gt.4)&order=id', status: 200, json: [{ id: 3 }, { id: 4 }] },
  { name: 'or with in and is', url: '/books?select=id&or=(id.in.(1,2),price.is.null)&order=id', status: 200, json: [{ id: 1 }, { id: 2 }, { id: 4 }] },
  { name: 'or combined with a plain filter (and)', url: '/books?select=id&genre=eq.fiction&or=(id.eq.1,id.eq.4)', status: 200, json: [{ id: 1 }] },
  { name: 'nested not.and inside or', url: '/books?select=id&or=(not.and(id.gt.1,id.lt.6))&order=id', status: 200, json: [{ id: 1 }, { id: 6 }] },
  { name: 'broken logic tree is 400', url: '/books?or=(id.eq.1', status: 400, code: 'PGRST100' },

  // --- order ---
  { name: 'order desc', url: '/books?select=id&order=pages.desc&limit=3', status: 200, json: [{ id: 6 }, { id: 1 }, { id: 5 }] },
  { name: 'order asc puts nulls last by default', url: '/books?select=id&order=price.asc', status: 200, json: [{ id: 6 }, { id: 2 }, { id: 1 }, { id: 3 }, { id: 5 }, { id: 4 }] },
  { name: 'order desc puts nulls first by default', url: '/books?select=id&order=price.desc&limit=2', status: 200, json: [{ id: 4 }, { id: 5 }] },
  { name: 'order nullsfirst', url: '/books?select=id&order=price.asc.nullsfirst&limit=2', status: 200, json: [{ id: 4 }, { id: 6 }] },
  { name: 'order desc.nullslast', url: '/books?select=id&order=price.desc.nullslast&limit=2', status: 200, json: [{ id: 5 }, { id: 3 }] },
  { name: 'order by several keys', url: '/books?select=id&order=author_id.desc,id.asc&limit=3', status: 200, json: [{ id: 6 }, { id: 5 }, { id: 3 }] },
  { name: 'order by unknown column is 400', url: '/books?order=nope.asc', status: 400, code: '42703' },
  { name: 'bad order modifier is 400', url: '/books?order=id.sideways', status: 400, code: 'PGRST100' },

  // --- limits, ranges, counts ---
  { name: 'limit and offset', url: '/books?select=id&order=id&limit=2&offset=1', status: 200, json: [{ id: 2 }, { id: 3 }], expectHeaders: { 'content-range': '1-2/*' } },
  { name: 'Content-Range without count', url: '/books?select=id&order=id', status: 200, expectHeaders: { 'content-range': '0-5/*' } },
  { name: 'Range header', url: '/books?select=id&order=id', headers: { Range: '1-2' }, status: 200, json: [{ id: 2 }, { id: 3 }], expectHeaders: { 'content-range': '1-2/*' } },
  { name: 'count=exact gives the total and 206 for a part', url: '/books?select=id&order=id&limit=2', headers: { Prefer: 'count=exact' }, status: 206, json: [{ id: 1 }, { id: 2 }], expectHeaders: { 'content-range': '0-1/6' } },
  { name: 'count=exact on everything is 200', url: '/books?select=id&order=id', headers: { Prefer: 'count=exact' }, status: 200, expectHeaders: { 'content-range': '0-5/6' } },
  { name: 'count counts filtered rows', url: '/books?select=id&genre=eq.fiction&limit=1', headers: { Prefer: 'count=exact' }, status: 206, expectHeaders: { 'content-range': '0-0/3' } },
  { name: 'empty result range', url: '/books?id=eq.99', headers: { Prefer: 'count=exact' }, status: 200, json: [], expectHeaders: { 'content-range': '*/0' } },
  { name: 'offset past the end with count is 416', url: '/books?offset=10', headers: { Prefer: 'count=exact' }, status: 416, code: 'PGRST103', expectHeaders: { 'content-range': '*/6' } },
  { name: 'negative limit is 400', url: '/books?limit=-1', status: 400, code: 'PGRST100' },
  { name: 'limit above the maximum is clamped', url: '/books?select=id&limit=100000', status: 200, expectHeaders: { 'content-range': '0-5/*' } },

  // --- keyset pagination (after=) ---
  { name: 'after= starts a keyset walk and returns the next cursor', url: '/books?select=id&order=author_id.desc&limit=2&after=', status: 200, json: [{ id: 6 }, { id: 5 }], expectHeaders: { 'next-cursor': 'WzMsNV0' } },
  { name: 'after=<cursor> continues after that row', url: '/books?select=id&order=author_id.desc&limit=2&after=WzMsNV0', status: 200, json: [{ id: 3 }, { id: 4 }], expectHeaders: { 'next-cursor': 'WzIsNF0' } },
  { name: 'keyset on a nullable column is 400', url: '/books?select=id&order=price&after=', status: 400, code: 'RG105' },
  { name: 'keyset with offset is 400', url: '/books?select=id&order=id&offset=2&after=', status: 400, code: 'RG105' },

  // --- HEAD, singular, row URLs ---
  { name: 'HEAD has headers and no body', method: 'HEAD', url: '/books?select=id', headers: { Prefer: 'count=exact' }, status: 200, text: '', expectHeaders: { 'content-range': '0-5/6' } },
  { name: 'object accept returns one object', url: '/authors?id=eq.2', headers: { Accept: 'application/vnd.pgrst.object+json' }, status: 200, json: { id: 2, name: 'Italo Calvino', country: 'IT' }, expectHeaders: { 'content-type': /^application\/vnd\.pgrst\.object\+json/ } },
  { name: 'object accept with many rows is 406', url: '/authors', headers: { Accept: 'application/vnd.pgrst.object+json' }, status: 406, code: 'PGRST116' },
  { name: 'object accept with no row is 406', url: '/authors?id=eq.99', headers: { Accept: 'application/vnd.pgrst.object+json' }, status: 406, code: 'PGRST116' },
  { name: 'row URL returns the object', url: '/authors/3', status: 200, json: { id: 3, name: 'Wisława Szymborska', country: 'PL' } },
  { name: 'row URL with select', url: '/books/2?select=title', status: 200, json: { title: 'A Wizard of Earthsea' } },
  { name: 'row URL of a missing row is 404', url: '/authors/99', status: 404, code: 'RG404' },
  { name: 'row URL with a bad key is 400', url: '/authors/abc', status: 400, code: '22P02' },
  { name: 'row URL with a composite key', url: '/shelves/study,1', status: 200, json: { room: 'study', position: 1, label: 'poetry, mostly' } },
  { name: 'composite key needs every part', url: '/shelves/study', status: 400, code: 'RG103' },
  // SQLite addresses a table without a primary key by its rowid; other engines have no such key.
  { name: 'rowid table row URL', engines: ['sqlite'], url: '/notes/2', status: 200, json: { body: 'second', mood: null } },
  { name: 'rowid can be selected and filtered', engines: ['sqlite'], url: '/notes?select=rowid,body&rowid=eq.1', status: 200, json: [{ rowid: 1, body: 'first' }] },
  { name: 'a table without a key has no row URLs', engines: ['postgres', 'mysql'], url: '/notes/2', status: 400, code: 'RG103' },
  { name: 'views are readable', url: '/book_titles?id=eq.3', status: 200, json: [{ id: 3, title: 'Invisible Cities' }] },

  // --- formats and unknowns ---
  { name: 'CSV', url: '/books?select=id,title,price&id=in.(4,6)&order=id', headers: { Accept: 'text/csv' }, status: 200, text: 'id,title,price\r\n4,Six Memos for the Next Millennium,\r\n6,"Beowulf, ""translated""",0\r\n', expectHeaders: { 'content-type': /^text\/csv/ } },
  { name: 'NDJSON', url: '/authors?select=id&id=lt.3&order=id', headers: { Accept: 'application/x-ndjson' }, status: 200, text: '{"id":1}\n{"id":2}\n' },
  { name: 'unknown Accept is 406', url: '/books', headers: { Accept: 'image/png' }, status: 406, code: 'RG406' },
  { name: 'unknown table is 404 with the closest name', url: '/bokos', status: 404, json: { code: 'PGRST205', message: "Could not find the table 'bokos' in the schema cache", details: null, hint: "Perhaps you meant the table 'books'" } },
  { name: 'too deep a path is 404', url: '/books/1/extra', status: 404, code: 'PGRST125' },
];
