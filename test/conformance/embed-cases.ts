/**
 * Embedding and aggregates on the embedding fixture: each relationship kind, hints and ambiguity,
 * filters/order/limit inside, !inner and anti-joins, spread, ordering by a to-one column, the
 * depth limit, and count/sum/avg grouped by the other fields.
 */
import type { Case } from './case-runner.js';

export const embedCases: Case[] = [
  // --- many-to-one ---
  {
    name: 'many-to-one with a column hint', url: '/books?select=title,author:authors!author_id(name)&id=lt.3&order=id', status: 200,
    json: [{ title: 'The Dispossessed', author: { name: 'Ursula K. Le Guin' } }, { title: 'A Wizard of Earthsea', author: { name: 'Ursula K. Le Guin' } }],
  },
  { name: 'many-to-one is null when no row joins', url: '/books?select=id,editor:authors!editor_id(name)&id=in.(1,2)&order=id', status: 200, json: [{ id: 1, editor: { name: 'Italo Calvino' } }, { id: 2, editor: null }] },
  { name: 'many-to-one with a constraint hint', url: '/books?select=id,authors!books_editor_id_fkey(id)&id=eq.3', status: 200, json: [{ id: 3, authors: { id: 1 } }] },
  { name: 'two relationships without a hint are ambiguous (300)', url: '/books?select=title,authors(name)', status: 300, code: 'PGRST201' },
  { name: 'no relationship is 400', url: '/tags?select=name,authors(name)', status: 400, code: 'PGRST200' },
  { name: 'embedding an unknown table is 400 with a hint', url: '/books?select=title,reveiws(stars)', status: 400, code: 'PGRST200' },

  // --- one-to-many, one-to-one, many-to-many, self ---
  {
    name: 'one-to-many with order inside', url: '/books?select=id,reviews(stars)&id=in.(1,2)&order=id&reviews.order=stars.desc', status: 200,
    json: [{ id: 1, reviews: [{ stars: 5 }, { stars: 4 }, { stars: 3 }] }, { id: 2, reviews: [] }],
  },
  { name: 'one-to-many with a filter inside', url: '/books?select=id,reviews(stars)&id=eq.1&reviews.stars=gte.4&reviews.order=stars', status: 200, json: [{ id: 1, reviews: [{ stars: 4 }, { stars: 5 }] }] },
  { name: 'one-to-many with limit and offset inside', url: '/books?select=id,reviews(id)&id=eq.1&reviews.order=id&reviews.limit=1&reviews.offset=1', status: 200, json: [{ id: 1, reviews: [{ id: 2 }] }] },
  { name: 'one-to-one is an object', url: '/books?select=id,book_stats(readers)&id=in.(1,2)&order=id', status: 200, json: [{ id: 1, book_stats: { readers: 120 } }, { id: 2, book_stats: null }] },
  { name: 'many-to-many through the junction', url: '/books?select=id,tags(name)&id=eq.1&tags.order=name', status: 200, json: [{ id: 1, tags: [{ name: 'classic' }, { name: 'sf' }] }] },
  { name: 'many-to-many the other way', url: '/tags?select=name,books(id)&name=eq.classic&books.order=id', status: 200, json: [{ name: 'classic', books: [{ id: 1 }, { id: 2 }, { id: 3 }] }] },
  { name: 'self-reference: the parent by column hint', url: '/authors?select=name,mentor:authors!mentor_id(name)&id=eq.3', status: 200, json: [{ name: 'Wisława Szymborska', mentor: { name: 'Italo Calvino' } }] },
  { name: 'self-reference: the children by constraint hint', url: '/authors?select=name,students:authors!authors_mentor_id_fkey(name)&id=eq.1', status: 200, json: [{ name: 'Ursula K. Le Guin', students: [{ name: 'Italo Calvino' }] }] },
  {
    name: 'nested embeddings', url: '/authors?select=name,books!author_id(title,reviews(stars))&id=eq.1&books.order=id&books.reviews.order=stars.desc', status: 200,
    json: [{ name: 'Ursula K. Le Guin', books: [{ title: 'The Dispossessed', reviews: [{ stars: 5 }, { stars: 4 }, { stars: 3 }] }, { title: 'A Wizard of Earthsea', reviews: [] }] }],
  },
  {
    name: 'to-one inside to-many', url: '/reviews?select=id,book:books(title,author:authors!author_id(name))&id=eq.4', status: 200,
    json: [{ id: 4, book: { title: 'Invisible Cities', author: { name: 'Italo Calvino' } } }],
  },
  { name: 'embedding in a row URL', url: '/books/2?select=title,tags(name)&tags.order=name', status: 200, json: { title: 'A Wizard of Earthsea', tags: [{ name: 'classic' }, { name: 'fantasy' }] } },

  // --- inner joins, anti-joins, filters on to-one ---
  {
    name: '!inner keeps parents with a matching child', url: '/authors?select=name,books!author_id!inner(title)&books.year=gt.1970&order=id', status: 200,
    json: [{ name: 'Ursula K. Le Guin', books: [{ title: 'The Dispossessed' }] }, { name: 'Italo Calvino', books: [{ title: 'Invisible Cities' }] }, { name: 'Wisława Szymborska', books: [{ title: 'View with a Grain of Sand' }] }],
  },
  { name: 'is.null on an embedding is an anti-join', url: '/authors?select=name,books!author_id(id)&books=is.null', status: 200, json: [{ name: 'Nobody', books: [] }] },
  { name: 'not.is.null on an embedding is a semi-join', url: '/books?select=id,book_stats(readers)&book_stats=not.is.null&order=id', status: 200, json: [{ id: 1, book_stats: { readers: 120 } }, { id: 3, book_stats: { readers: 45 } }] },
  {
    name: 'a filter on a to-one embedding filters the embedding, not the parents', url: '/books?select=id,author:authors!author_id(name)&author.name=eq.Italo Calvino&id=lt.4&order=id', status: 200,
    json: [{ id: 1, author: null }, { id: 2, author: null }, { id: 3, author: { name: 'Italo Calvino' } }],
  },
  { name: 'with !inner it filters the parents', url: '/books?select=id,author:authors!author_id!inner(name)&author.name=eq.Italo Calvino&order=id', status: 200, json: [{ id: 3, author: { name: 'Italo Calvino' } }, { id: 4, author: { name: 'Italo Calvino' } }] },
  { name: 'other filters on an embedding are refused', url: '/authors?select=name,books!author_id(id)&books=eq.1', status: 400, code: 'PGRST120' },
  { name: 'a filter on a resource not in select is 400', url: '/books?select=id&reviews.stars=eq.5', status: 400, code: 'PGRST108' },

  // --- spread, related order, depth ---
  { name: 'spread a to-one embedding into the parent', url: '/books?select=title,...authors!author_id(author:name)&id=eq.3', status: 200, json: [{ title: 'Invisible Cities', author: 'Italo Calvino' }] },
  { name: 'spreading a to-many embedding is 400', url: '/books?select=title,...reviews(stars)', status: 400, code: 'PGRST119' },
  {
    name: 'order parents by a to-one column', url: '/books?select=id,author:authors!author_id(name)&order=author(name).desc,id&limit=3', status: 200,
    json: [{ id: 5, author: { name: 'Wisława Szymborska' } }, { id: 1, author: { name: 'Ursula K. Le Guin' } }, { id: 2, author: { name: 'Ursula K. Le Guin' } }],
  },
  { name: 'ordering by a to-many embedding is 400', url: '/books?select=id,reviews(stars)&order=reviews(stars)', status: 400, code: 'PGRST118' },
  { name: 'embedding deeper than the limit is 400', url: '/authors?select=books!author_id(reviews(book:books(author:authors!author_id(books!author_id(id)))))', status: 400, code: 'RG104' },

  // --- aggregates ---
  { name: 'count() of all rows', url: '/reviews?select=count()', status: 200, json: [{ count: 5 }] },
  { name: 'sum and avg grouped by the other fields', url: '/reviews?select=book_id,count(),stars.sum(),avg:stars.avg()&order=book_id', status: 200, json: [{ book_id: 1, count: 3, sum: 12, avg: 4 }, { book_id: 3, count: 1, sum: 5, avg: 5 }, { book_id: 5, count: 1, sum: 4, avg: 4 }] },
  { name: 'min and max with a filter', url: '/books?select=year.min(),year.max()&author_id=eq.1', status: 200, json: [{ min: 1968, max: 1974 }] },
  { name: 'a cast after an aggregate', url: '/reviews?select=n:count()::text', status: 200, json: [{ n: '5' }] },
  { name: 'count inside an embedding', url: '/authors?select=name,books!author_id(count)&order=id&limit=2', status: 200, json: [{ name: 'Ursula K. Le Guin', books: [{ count: 2 }] }, { name: 'Italo Calvino', books: [{ count: 2 }] }] },
  { name: 'aggregate grouped by a to-one embedding', url: '/books?select=price.sum(),author:authors!author_id(name)&author_id=in.(2,3)&order=author(name)', status: 200, json: [{ sum: 22, author: { name: 'Italo Calvino' } }, { sum: 14.25, author: { name: 'Wisława Szymborska' } }] },
  { name: 'counting grouped rows counts the groups', url: '/reviews?select=book_id,count()', headers: { Prefer: 'count=exact' }, status: 200, expectHeaders: { 'content-range': '0-2/3' } },
];
