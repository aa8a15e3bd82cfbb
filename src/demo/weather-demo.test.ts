/**
 * The weather demo: its generator (deterministic, plausible), its SQLite build (counts, constraints,
 * refusal of existing files, build time) and the README's three app queries, checked both as SQL and
 * through rowgate and postgrest-js, each answered from the primary key without a full scan.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgrestClient } from '@supabase/postgrest-js';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { introspectSqlite } from '../dialect/sqlite/sqlite-introspector.js';
import { createServer, type RowgateServer } from '../index.js';
import { generateObservations, generateStations, observationCount, WEATHER_STATION_COUNT, WEATHER_TABLES } from './weather-data.js';
import { createWeatherDemoSqlite } from './weather-sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'rowgate-weather-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Progress = Array<[string, number, number]>;
let built = 0;
function build(size: { stations?: number; days?: number } = {}): { path: string; tables: Record<string, number>; progress: Progress; ms: number } {
  const path = join(dir, `nested-${built}`, `weather-${built++}.db`);
  const progress: Progress = [];
  const started = performance.now();
  const { tables } = createWeatherDemoSqlite(path, { ...size, onProgress: (...p) => progress.push(p) });
  return { path, tables, progress, ms: performance.now() - started };
}

/** A digest of every row of both tables in key order, as the database returns them. */
function contentHash(path: string, where: { stations: string; observations: string } = { stations: '', observations: '' }): string {
  const db = new Database(path, { readonly: true });
  const hash = createHash('sha256');
  for (const { name, columns } of WEATHER_TABLES) {
    const order = name === 'observations' ? 'station_id, observed_at' : 'id';
    for (const row of db.prepare(`SELECT ${columns.join(', ')} FROM ${name} ${where[name]} ORDER BY ${order}`).raw().iterate()) {
      hash.update(`${name}:${JSON.stringify(row)}\n`);
    }
  }
  db.close();
  return hash.digest('hex');
}

/** The three queries of the README, as SQL; rowgate's own SQL for them is checked further down. */
const APP_QUERIES = {
  latest: `SELECT * FROM latest_observations ORDER BY station_id`,
  latestOne: `SELECT * FROM latest_observations WHERE station_id = 7`,
  last24h: `SELECT * FROM observations WHERE station_id = 7 AND observed_at >= '2025-12-31T00:00:00Z' ORDER BY observed_at DESC`,
  daily: `SELECT * FROM daily_summary WHERE station_id = 7 AND day >= '2025-07-01' AND day < '2025-08-01' ORDER BY day`,
  dailyByAggregates: `SELECT observed_on, min(temperature_c), avg(temperature_c), max(temperature_c) FROM observations
    WHERE station_id = 7 AND observed_at >= '2025-07-01' AND observed_at < '2025-08-01' GROUP BY observed_on ORDER BY observed_on`,
};

/**
 * Plan lines that read a whole table. Only the 50 stations and the already-filtered rows of a view's
 * co-routine may be scanned; every read of observations (or of its aliases in the views) must be a
 * SEARCH on its primary key.
 */
function fullScans(db: Database.Database, sql: string): string[] {
  const plan = planOf(db, sql);
  expect(plan.some((d) => /^SEARCH (observations|o|l|t\d+) USING PRIMARY KEY/.test(d)), plan.join('\n')).toBe(true);
  return plan.filter((d) => /^SCAN /.test(d) && !/^SCAN (s|stations|daily_summary)$/.test(d));
}

function planOf(db: Database.Database, sql: string): string[] {
  // Plans do not depend on the values here, so every placeholder (rowgate binds all values) gets null.
  const params = Array(sql.split('?').length - 1).fill(null);
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
}

describe('weather data', () => {
  test('uses neither Math.random nor the clock, and repeats itself exactly', () => {
    const random = vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random used');
    });
    const now = vi.spyOn(Date, 'now').mockImplementation(() => {
      throw new Error('Date.now used');
    });
    try {
      const size = { stations: 4, days: 10 };
      const once = [...generateObservations(generateStations(size), size)];
      expect(once).toHaveLength(4 * 10 * 24);
      expect([...generateObservations(generateStations(size), size)]).toEqual(once);
      expect(generateStations()).toEqual(generateStations());
    } finally {
      random.mockRestore();
      now.mockRestore();
    }
  });

  test('has about 50 stations with unique codes over several climates', () => {
    const stations = generateStations();
    expect(stations).toHaveLength(WEATHER_STATION_COUNT);
    expect(WEATHER_STATION_COUNT).toBeGreaterThanOrEqual(45);
    expect(new Set(stations.map((s) => s.code)).size).toBe(stations.length);
    for (const s of stations) {
      expect(s.code).toMatch(/^[A-Z]{3}\d\d$/);
      expect(s.country).toMatch(/^[A-Z]{2}$/);
      expect(s.opened_on).toMatch(/^(18|19|20)\d\d-\d\d-\d\d$/);
    }
    expect(Math.min(...stations.map((s) => s.latitude))).toBeLessThan(30);
    expect(Math.max(...stations.map((s) => s.latitude))).toBeGreaterThan(75);
    expect(Math.max(...stations.map((s) => s.elevation_m))).toBeGreaterThan(3000);
    expect(observationCount()).toBe(stations.length * 8760);
  });
});

describe('createWeatherDemoSqlite', () => {
  let full: ReturnType<typeof build>;
  let db: Database.Database;
  beforeAll(() => {
    full = build();
    db = new Database(full.path, { readonly: true });
  });
  afterAll(() => db.close());

  test('creates 50 stations and a year of hourly observations, reporting progress', () => {
    expect(full.tables).toEqual({ stations: WEATHER_STATION_COUNT, observations: WEATHER_STATION_COUNT * 8760 });
    for (const [name, n] of Object.entries(full.tables)) {
      expect(db.prepare(`SELECT count(*) AS n FROM ${name}`).get()).toEqual({ n });
      const reports = full.progress.filter(([stage]) => stage === name);
      expect(reports[0]).toEqual([name, 0, n]);
      expect(reports.at(-1)).toEqual([name, n, n]);
      // Never more than 20,000 rows between two reports.
      const gaps = reports.slice(1).map(([, done], i) => done - reports[i][1]);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(20_000);
    }
    const perStation = db.prepare(`SELECT DISTINCT count(*) AS n, min(observed_at) AS first, max(observed_at) AS last FROM observations GROUP BY station_id`).all();
    expect(perStation).toEqual([{ n: 8760, first: '2025-01-01T00:00:00Z', last: '2025-12-31T23:00:00Z' }]);
  });

  test('builds in a few seconds', () => {
    console.info(`weather demo built in ${full.ms.toFixed(0)} ms`);
    expect(full.ms).toBeLessThan(10_000);
  });

  test('two builds hold identical rows, and a smaller build holds the same rows as the full one', () => {
    const again = build();
    expect(contentHash(again.path)).toBe(contentHash(full.path));
    const small = build({ stations: 6, days: 20 });
    expect(small.tables).toEqual({ stations: 6, observations: 6 * 20 * 24 });
    expect(contentHash(small.path)).toBe(
      contentHash(full.path, { stations: 'WHERE id <= 6', observations: `WHERE station_id <= 6 AND observed_at < '2025-01-21'` }),
    );
  });

  test('leaves a consistent WAL-mode database', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = 'observations'`).get()).toEqual({ n: 1 });
  });

  test('keeps every value in range and rounded as documented', () => {
    const ranges = db
      .prepare(
        `SELECT min(temperature_c) AS tmin, max(temperature_c) AS tmax, min(humidity_pct) AS hmin, max(humidity_pct) AS hmax,
                min(wind_kph) AS wmin, max(wind_kph) AS wmax, min(precipitation_mm) AS pmin, max(precipitation_mm) AS pmax,
                sum(temperature_c * 10 <> round(temperature_c * 10) OR wind_kph * 10 <> round(wind_kph * 10)
                    OR precipitation_mm * 10 <> round(precipitation_mm * 10)) AS unrounded,
                sum(typeof(humidity_pct) <> 'integer') AS fractional_humidity,
                avg(precipitation_mm = 0) AS dry_share
         FROM observations`,
      )
      .get() as Record<string, number>;
    expect(ranges.tmin).toBeGreaterThan(-40);
    expect(ranges.tmax).toBeLessThan(45);
    expect(ranges.hmin).toBeGreaterThanOrEqual(0);
    expect(ranges.hmax).toBe(100);
    expect(ranges.wmin).toBeGreaterThanOrEqual(0);
    expect(ranges.wmax).toBeLessThan(150);
    expect(ranges.pmin).toBe(0);
    expect(ranges.pmax).toBeGreaterThan(1);
    expect(ranges.pmax).toBeLessThan(60);
    expect(ranges.unrounded).toBe(0);
    expect(ranges.fractional_humidity).toBe(0);
    expect(ranges.dry_share).toBeGreaterThan(0.8);
    expect(ranges.dry_share).toBeLessThan(0.98);
  });

  test('looks like weather: seasons by latitude, a daily cycle, rain when the air is humid', () => {
    const monthly = (code: string, month: string) =>
      (db.prepare(`SELECT avg(temperature_c) AS t FROM observations JOIN stations ON id = station_id WHERE code = ? AND substr(observed_at, 6, 2) = ?`).get(code, month) as { t: number }).t;
    // Every station (all north of the equator) is warmer in July than in January.
    const colder = db
      .prepare(
        `SELECT station_id FROM observations GROUP BY station_id
         HAVING avg(CASE WHEN substr(observed_at, 6, 2) = '07' THEN temperature_c END) <= avg(CASE WHEN substr(observed_at, 6, 2) = '01' THEN temperature_c END) + 3`,
      )
      .all();
    expect(colder).toEqual([]);
    expect(monthly('SVQ01', '01')).toBeGreaterThan(monthly('LYR01', '01') + 20);
    expect(monthly('BER01', '07') - monthly('BER01', '01')).toBeGreaterThan(monthly('LON01', '07') - monthly('LON01', '01'));
    // Berlin's afternoons (14:00 UTC, 15:00 local solar time) are warmer than its small hours.
    const hourly = (hour: string) =>
      (db.prepare(`SELECT avg(temperature_c) AS t FROM observations JOIN stations ON id = station_id WHERE code = 'BER01' AND substr(observed_at, 12, 2) = ?`).get(hour) as { t: number }).t;
    expect(hourly('14') - hourly('03')).toBeGreaterThan(4);
    const wet = db
      .prepare(`SELECT avg(humidity_pct) AS h, count(*) AS n FROM observations WHERE precipitation_mm > 0`)
      .get() as { h: number; n: number };
    const dry = db.prepare(`SELECT avg(humidity_pct) AS h FROM observations WHERE precipitation_mm = 0`).get() as { h: number };
    expect(wet.h).toBeGreaterThan(dry.h + 10);
    const yearly = (code: string) =>
      (db.prepare(`SELECT sum(precipitation_mm) AS p FROM observations JOIN stations ON id = station_id WHERE code = ?`).get(code) as { p: number }).p;
    // The Atlantic coast is wetter than the Mediterranean and the Canaries.
    expect(yearly('SVQ01')).toBeLessThan(yearly('LON01') / 2);
    expect(yearly('TFN01')).toBeLessThan(yearly('BES01') / 2);
  });

  test('refuses rows that break a constraint', () => {
    const small = build({ stations: 2, days: 1 });
    const rw = new Database(small.path);
    rw.pragma('foreign_keys = ON');
    const insert = rw.prepare(
      `INSERT INTO observations (station_id, observed_at, temperature_c, humidity_pct, wind_kph, precipitation_mm) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const ok = [1, '2025-06-01T12:00:00Z', 20.5, 60, 10.2, 0] as const;
    expect(() => insert.run(...ok)).not.toThrow();
    expect(() => insert.run(...ok)).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => insert.run(99, '2025-06-01T13:00:00Z', 20, 60, 10, 0)).toThrow(/FOREIGN KEY/);
    expect(() => insert.run(1, '2025-06-01T13:00:00Z', 20, 101, 10, 0)).toThrow(/CHECK/);
    expect(() => insert.run(1, '2025-06-01T13:00:00Z', 20, -1, 10, 0)).toThrow(/CHECK/);
    expect(() => insert.run(1, '2025-06-01T13:00:00Z', 20, 60, -0.1, 0)).toThrow(/CHECK/);
    expect(() => insert.run(1, '2025-06-01T13:00:00Z', 20, 60, 10, -0.1)).toThrow(/CHECK/);
    // Another timestamp shape would sort out of time order as text, so it is refused.
    expect(() => insert.run(1, '2025-06-01 13:00:00', 20, 60, 10, 0)).toThrow(/CHECK/);
    rw.close();
  });

  test('refuses an existing file or WAL and leaves them untouched', () => {
    const path = join(dir, 'existing.db');
    writeFileSync(path, 'not a database');
    expect(() => createWeatherDemoSqlite(path)).toThrow(/Refusing to create the weather demo: .* already exists/);
    expect(readFileSync(path, 'utf8')).toBe('not a database');
    const orphan = join(dir, 'orphan.db');
    writeFileSync(`${orphan}-wal`, 'left behind');
    expect(() => createWeatherDemoSqlite(orphan)).toThrow(/already exists/);
    expect(readFileSync(`${orphan}-wal`, 'utf8')).toBe('left behind');
    expect(() => createWeatherDemoSqlite(full.path)).toThrow(/already exists/);
    expect(db.prepare(`SELECT count(*) AS n FROM observations`).get()).toEqual({ n: full.tables.observations });
    expect(() => createWeatherDemoSqlite(':memory:')).toThrow(/file path/);
  });

  test('serves the three app queries from the primary key, without a full scan of observations', () => {
    for (const sql of Object.values(APP_QUERIES)) expect(fullScans(db, sql), sql).toEqual([]);
    // What a full scan looks like, so the check above is known to catch one.
    expect(planOf(db, `SELECT * FROM observations WHERE humidity_pct = 100`)).toEqual(['SCAN observations']);
  });

  test('introspects as the weather service: keys, the foreign key and two read-only views', () => {
    const schema = introspectSqlite(db, 1);
    expect([...schema.tables.keys()].sort()).toEqual(['daily_summary', 'latest_observations', 'observations', 'stations']);
    const observations = schema.tables.get('observations')!;
    expect(observations.primaryKey).toEqual(['station_id', 'observed_at']);
    expect(observations.foreignKeys).toEqual([
      { name: 'observations_station_id_fkey', columns: ['station_id'], referencedTable: 'stations', referencedColumns: ['id'] },
    ]);
    expect(observations.columnsByName.get('observed_at')).toMatchObject({ type: 'timestamptz', nullable: false });
    expect(observations.columnsByName.get('observed_on')).toMatchObject({ type: 'date', generated: true });
    expect(schema.tables.get('stations')!.uniqueConstraints).toEqual([{ name: 'stations_code_key', columns: ['code'] }]);
    const daily = schema.tables.get('daily_summary')!;
    expect(daily).toMatchObject({ kind: 'view', insertable: false });
    expect(daily.columnsByName.get('day')!.type).toBe('date');
    expect(daily.columnsByName.get('temp_avg')!.type).toBe('number');
    expect(daily.columnsByName.get('observations')!.type).toBe('integer');
  });

  describe('through rowgate, as the README shows it', () => {
    let server: RowgateServer;
    let client: PostgrestClient;
    beforeAll(async () => {
      // Reads stay in this process, where the test sees the statements they prepare.
      server = await createServer({ db: `sqlite:${full.path}`, logLevel: 'silent', port: 0, sqliteReadWorkers: 0 });
      client = new PostgrestClient(await server.listen());
    });
    afterAll(async () => server.close());

    /**
     * Sends one request and returns its JSON with the SQL statements rowgate prepared for it, leaving
     * out the driver's own once-per-statement probes (its plan and the table sizes it classifies by).
     */
    async function getWithSql(url: string): Promise<{ status: number; body: any; statements: string[] }> {
      const statements: string[] = [];
      const prepare = Database.prototype.prepare;
      Database.prototype.prepare = function (this: Database.Database, source: string) {
        statements.push(source);
        return prepare.call(this, source);
      } as typeof prepare;
      try {
        const res = await server.app.inject({ url });
        const probe = /^(explain query plan |select count\(\*\) from \(select 1 from )/i;
        return { status: res.statusCode, body: res.json(), statements: statements.filter((s) => !probe.test(s)) };
      } finally {
        Database.prototype.prepare = prepare;
      }
    }

    test('the latest reading per station', async () => {
      const { status, body, statements } = await getWithSql('/latest_observations?select=station_id,code,observed_at,temperature_c&order=station_id');
      expect(status).toBe(200);
      expect(body).toHaveLength(WEATHER_STATION_COUNT);
      expect(body[6]).toMatchObject({ station_id: 7, code: 'PAR01', observed_at: '2025-12-31T23:00:00Z' });
      expect(new Set(body.map((r: any) => r.observed_at))).toEqual(new Set(['2025-12-31T23:00:00Z']));
      expect(statements).toHaveLength(1);
      expect(fullScans(db, statements[0])).toEqual([]);

      const { data, error } = await client.from('latest_observations').select('code,name,observed_at,temperature_c').eq('code', 'OSL01');
      expect(error).toBeNull();
      expect(data).toEqual([{ code: 'OSL01', name: 'Oslo Blindern', observed_at: '2025-12-31T23:00:00Z', temperature_c: expect.any(Number) }]);
    });

    test("a station's last 24 hours", async () => {
      const url = '/observations?station_id=eq.7&observed_at=gte.2025-12-31T00:00:00Z&order=observed_at.desc';
      const { status, body, statements } = await getWithSql(url);
      expect(status).toBe(200);
      expect(body).toHaveLength(24);
      expect(body[0]).toMatchObject({ station_id: 7, observed_at: '2025-12-31T23:00:00Z' });
      expect(body[23].observed_at).toBe('2025-12-31T00:00:00Z');
      expect(statements).toHaveLength(1);
      expect(fullScans(db, statements[0])).toEqual([]);

      const { data, error } = await client
        .from('observations')
        .select('observed_at,temperature_c,humidity_pct,wind_kph,precipitation_mm')
        .eq('station_id', 7)
        .gte('observed_at', '2025-12-31T00:00:00Z')
        .order('observed_at', { ascending: false });
      expect(error).toBeNull();
      expect(data!.map((r) => r.observed_at)).toEqual(body.map((r: any) => r.observed_at));
    });

    test('daily min/avg/max for a month, from the view and from rowgate aggregates', async () => {
      const { status, body, statements } = await getWithSql('/daily_summary?station_id=eq.7&day=gte.2025-07-01&day=lt.2025-08-01&order=day');
      expect(status).toBe(200);
      expect(body).toHaveLength(31);
      expect(body[0]).toMatchObject({ station_id: 7, day: '2025-07-01', observations: 24 });
      expect(body[30].day).toBe('2025-07-31');
      for (const d of body) {
        expect(d.temp_min).toBeLessThanOrEqual(d.temp_avg);
        expect(d.temp_avg).toBeLessThanOrEqual(d.temp_max);
      }
      expect(statements).toHaveLength(1);
      expect(fullScans(db, statements[0])).toEqual([]);

      // The same from observations with rowgate's aggregates, grouped by the generated observed_on.
      const direct = await getWithSql(
        '/observations?select=observed_on,temperature_c.min(),temperature_c.avg(),temperature_c.max()&station_id=eq.7&observed_at=gte.2025-07-01&observed_at=lt.2025-08-01&order=observed_on',
      );
      expect(direct.status).toBe(200);
      expect(direct.statements).toHaveLength(1);
      expect(fullScans(db, direct.statements[0])).toEqual([]);
      expect(direct.body.map((r: any) => [r.observed_on, r.min, r.max])).toEqual(body.map((d: any) => [d.day, d.temp_min, d.temp_max]));
      // The view rounds its average to one decimal (SQLite's round() and JS differ on .x5 ties).
      direct.body.forEach((r: any, i: number) => expect(Math.abs(r.avg - body[i].temp_avg)).toBeLessThanOrEqual(0.0501));

      const viaClient = await client
        .from('observations')
        .select('observed_on,temperature_c.min(),temperature_c.avg(),temperature_c.max()')
        .eq('station_id', 7)
        .gte('observed_at', '2025-07-01')
        .lt('observed_at', '2025-08-01')
        .order('observed_on');
      expect(viaClient.error).toBeNull();
      expect(viaClient.data).toEqual(direct.body);
      const daily = await client
        .from('daily_summary')
        .select('day,temp_min,temp_avg,temp_max,precipitation_total')
        .eq('station_id', 7)
        .gte('day', '2025-07-01')
        .lt('day', '2025-08-01')
        .order('day');
      expect(daily.error).toBeNull();
      expect(daily.data!.map((d) => d.day)).toEqual(body.map((d: any) => d.day));

      // Aggregates over the view: the month in one row.
      const month = await getWithSql(
        '/daily_summary?select=temp_min.min(),temp_max.max(),precipitation_total.sum()&station_id=eq.7&day=gte.2025-07-01&day=lt.2025-08-01',
      );
      expect(month.status).toBe(200);
      expect(month.body).toEqual([
        {
          min: Math.min(...body.map((d: any) => d.temp_min)),
          max: Math.max(...body.map((d: any) => d.temp_max)),
          sum: expect.closeTo(body.reduce((a: number, d: any) => a + d.precipitation_total, 0), 6),
        },
      ]);
      expect(fullScans(db, month.statements[0])).toEqual([]);
    });
  });
});
