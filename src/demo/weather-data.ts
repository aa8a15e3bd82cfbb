/**
 * The weather demo's data, generated deterministically: 50 European stations and a year (2025) of
 * hourly observations each, the same values on every run and every engine. Plain rows only (numbers
 * rounded to one decimal, ISO 8601 text timestamps); each engine's seeder owns its DDL and binding.
 * Observations come from a generator, so a seeder streams ~438,000 rows without holding them.
 */
import { mulberry32 } from './shop-data.js';

export interface StationRow {
  readonly id: number;
  /** Three letters (the nearest airport's code) and two digits: 'OSL01'. */
  readonly code: string;
  readonly name: string;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly elevation_m: number;
  /** `YYYY-MM-DD`. */
  readonly opened_on: string;
}

export interface ObservationRow {
  readonly station_id: number;
  /** `YYYY-MM-DDTHH:MM:SSZ`, on the hour. */
  readonly observed_at: string;
  readonly temperature_c: number;
  readonly humidity_pct: number;
  readonly wind_kph: number;
  readonly precipitation_mm: number;
}

export type WeatherTableName = 'stations' | 'observations';

/** The tables in insertion order (parents before children), with their columns in DDL order. */
export const WEATHER_TABLES: readonly { readonly name: WeatherTableName; readonly columns: readonly string[] }[] = [
  { name: 'stations', columns: ['id', 'code', 'name', 'country', 'latitude', 'longitude', 'elevation_m', 'opened_on'] },
  { name: 'observations', columns: ['station_id', 'observed_at', 'temperature_c', 'humidity_pct', 'wind_kph', 'precipitation_mm'] },
];

export const WEATHER_SEED = 20250101;
export const WEATHER_EPOCH_MS = Date.UTC(2025, 0, 1);
export const WEATHER_DAYS = 365;

/** A smaller demo for tests: the first `stations` stations and the first `days` days of the year. */
export interface WeatherSize {
  readonly stations?: number;
  readonly days?: number;
  readonly seed?: number;
}

type Climate = 'arctic' | 'subarctic' | 'nordic' | 'maritime' | 'continental' | 'alpine' | 'mediterranean' | 'subtropical';

// Stations are real places with approximate coordinates; ids follow this order (7 is Paris).
// [code, name, country, latitude, longitude, elevation_m, climate]
const STATIONS: ReadonlyArray<readonly [string, string, string, number, number, number, Climate]> = [
  ['LON01', 'London Heathrow', 'GB', 51.479, -0.449, 25, 'maritime'],
  ['EDI01', 'Edinburgh Gogarbank', 'GB', 55.928, -3.343, 57, 'maritime'],
  ['MAN01', 'Manchester Ringway', 'GB', 53.356, -2.279, 69, 'maritime'],
  ['DUB01', 'Dublin Airport', 'IE', 53.428, -6.241, 71, 'maritime'],
  ['SNN01', 'Shannon Airport', 'IE', 52.69, -8.918, 15, 'maritime'],
  ['BES01', 'Brest Guipavas', 'FR', 48.444, -4.412, 94, 'maritime'],
  ['PAR01', 'Paris Montsouris', 'FR', 48.822, 2.338, 75, 'maritime'],
  ['BRU01', 'Brussels Uccle', 'BE', 50.8, 4.358, 100, 'maritime'],
  ['AMS01', 'Amsterdam Schiphol', 'NL', 52.318, 4.79, -3, 'maritime'],
  ['HAM01', 'Hamburg Fuhlsbüttel', 'DE', 53.633, 9.988, 11, 'maritime'],
  ['CPH01', 'Copenhagen Kastrup', 'DK', 55.614, 12.646, 5, 'maritime'],
  ['BGO01', 'Bergen Florida', 'NO', 60.383, 5.333, 12, 'maritime'],
  ['OSL01', 'Oslo Blindern', 'NO', 59.942, 10.72, 94, 'nordic'],
  ['STO01', 'Stockholm Observatoriekullen', 'SE', 59.342, 18.055, 44, 'nordic'],
  ['HEL01', 'Helsinki Kaisaniemi', 'FI', 60.175, 24.944, 4, 'nordic'],
  ['TLL01', 'Tallinn Harku', 'EE', 59.398, 24.603, 33, 'nordic'],
  ['REK01', 'Reykjavík', 'IS', 64.127, -21.902, 52, 'subarctic'],
  ['TOS01', 'Tromsø Langnes', 'NO', 69.654, 18.937, 100, 'subarctic'],
  ['KRN01', 'Kiruna Airport', 'SE', 67.822, 20.336, 459, 'subarctic'],
  ['ROV01', 'Rovaniemi Airport', 'FI', 66.564, 25.83, 106, 'subarctic'],
  ['LYR01', 'Svalbard Airport Longyearbyen', 'NO', 78.246, 15.466, 28, 'arctic'],
  ['BER01', 'Berlin Tempelhof', 'DE', 52.467, 13.402, 48, 'continental'],
  ['FRA01', 'Frankfurt Airport', 'DE', 50.026, 8.521, 100, 'continental'],
  ['MUC01', 'Munich City', 'DE', 48.164, 11.543, 515, 'continental'],
  ['PRG01', 'Prague Ruzyně', 'CZ', 50.101, 14.26, 364, 'continental'],
  ['VIE01', 'Vienna Hohe Warte', 'AT', 48.249, 16.356, 198, 'continental'],
  ['WAW01', 'Warsaw Okęcie', 'PL', 52.163, 20.961, 106, 'continental'],
  ['KRK01', 'Kraków Balice', 'PL', 50.078, 19.785, 237, 'continental'],
  ['VNO01', 'Vilnius Airport', 'LT', 54.625, 25.107, 156, 'continental'],
  ['BUD01', 'Budapest Pestszentlőrinc', 'HU', 47.429, 19.182, 138, 'continental'],
  ['BUH01', 'Bucharest Băneasa', 'RO', 44.5, 26.133, 90, 'continental'],
  ['MIL01', 'Milan Linate', 'IT', 45.433, 9.283, 107, 'continental'],
  ['ZRH01', 'Zurich Fluntern', 'CH', 47.378, 8.566, 556, 'continental'],
  ['GVA01', 'Geneva Cointrin', 'CH', 46.248, 6.128, 411, 'continental'],
  ['INN01', 'Innsbruck University', 'AT', 47.26, 11.385, 578, 'continental'],
  ['SAE01', 'Säntis', 'CH', 47.249, 9.343, 2502, 'alpine'],
  ['JFJ01', 'Jungfraujoch', 'CH', 46.548, 7.985, 3580, 'alpine'],
  ['ZUG01', 'Zugspitze', 'DE', 47.421, 10.985, 2956, 'alpine'],
  ['SBK01', 'Sonnblick', 'AT', 47.054, 12.958, 3109, 'alpine'],
  ['MAD01', 'Madrid Retiro', 'ES', 40.411, -3.678, 667, 'mediterranean'],
  ['BCN01', 'Barcelona El Prat', 'ES', 41.293, 2.07, 4, 'mediterranean'],
  ['SVQ01', 'Seville Airport', 'ES', 37.418, -5.898, 34, 'mediterranean'],
  ['LIS01', 'Lisbon Geophysical Institute', 'PT', 38.719, -9.15, 77, 'mediterranean'],
  ['MRS01', 'Marseille Marignane', 'FR', 43.438, 5.216, 5, 'mediterranean'],
  ['ROM01', 'Rome Ciampino', 'IT', 41.799, 12.595, 105, 'mediterranean'],
  ['PMO01', 'Palermo Punta Raisi', 'IT', 38.181, 13.1, 21, 'mediterranean'],
  ['ATH01', 'Athens Elliniko', 'GR', 37.893, 23.742, 10, 'mediterranean'],
  ['IST01', 'Istanbul Atatürk Airport', 'TR', 40.977, 28.821, 37, 'mediterranean'],
  ['LCA01', 'Larnaca Airport', 'CY', 34.875, 33.625, 1, 'mediterranean'],
  ['TFN01', 'Tenerife Santa Cruz', 'ES', 28.463, -16.255, 35, 'subtropical'],
];

export const WEATHER_STATION_COUNT = STATIONS.length;
const CLIMATE_OF: ReadonlyMap<string, Climate> = new Map(STATIONS.map((s) => [s[0], s[6]]));

interface ClimateParams {
  /** °C added to the latitude's baseline (the Gulf Stream keeps the north-west mild). */
  readonly offset: number;
  /** Multiplies the latitude's seasonal swing: small by the ocean, large inland. */
  readonly seasonal: number;
  /** Typical day-to-night range in clear weather, °C. */
  readonly diurnal: number;
  /** Typical dew point depression in dry weather, °C: how dry the air gets. */
  readonly dryness: number;
  /** Bias of the wetness signal: higher rains more often. */
  readonly wet: number;
  /** How much the wetness drops at the height of summer (the Mediterranean's dry season). */
  readonly summerDry: number;
  /** Typical wind, km/h. */
  readonly wind: number;
}

const CLIMATES: Readonly<Record<Climate, ClimateParams>> = {
  arctic: { offset: 4, seasonal: 1.1, diurnal: 4, dryness: 2.5, wet: -0.15, summerDry: 0, wind: 18 },
  subarctic: { offset: 2.5, seasonal: 0.85, diurnal: 6, dryness: 3, wet: -0.03, summerDry: 0, wind: 17 },
  nordic: { offset: 0.5, seasonal: 1.0, diurnal: 11, dryness: 4, wet: -0.04, summerDry: 0, wind: 13 },
  maritime: { offset: -0.8, seasonal: 0.7, diurnal: 11, dryness: 3.5, wet: 0, summerDry: 0.05, wind: 16 },
  continental: { offset: -1.5, seasonal: 1.15, diurnal: 14, dryness: 5, wet: -0.05, summerDry: 0, wind: 11 },
  alpine: { offset: 1.5, seasonal: 0.75, diurnal: 6, dryness: 4, wet: 0.06, summerDry: 0, wind: 24 },
  mediterranean: { offset: 0.5, seasonal: 1.05, diurnal: 16, dryness: 8, wet: -0.08, summerDry: 0.3, wind: 12 },
  subtropical: { offset: -0.5, seasonal: 0.45, diurnal: 7, dryness: 6, wet: -0.22, summerDry: 0.2, wind: 19 },
};

type Rng = () => number;
const DAY_MS = 86_400_000;
/** The weather moves east: a front reaches a station 1.5 hours later per degree of longitude. */
const HOURS_PER_DEGREE_EAST = 1.5;
/** Noise knots cover the whole year and the longitude shifts, whatever size is built. */
const NOISE_FROM_HOUR = -96;
const NOISE_HOURS = WEATHER_DAYS * 24 + 2 * 96;
/** Wetness above which it rains: about one hour in ten in the north-west, one in thirty by the Mediterranean. */
const RAIN_THRESHOLD = 0.36;

/** One stream per name (FNV-1a folded into the seed), so stations and regions never share one. */
function rngFor(name: string, seed: number): Rng {
  let h = 0x811c9dc5;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return mulberry32((h ^ seed) >>> 0);
}

/**
 * Smooth noise in time: random values in [-1, 1] every `step` hours joined by smoothstep curves,
 * so consecutive hours move gently and a front takes a day or two to pass.
 */
class NoiseTrack {
  private readonly knots: Float64Array;
  constructor(rng: Rng, private readonly step: number) {
    this.knots = new Float64Array(Math.ceil(NOISE_HOURS / step) + 2);
    for (let i = 0; i < this.knots.length; i++) this.knots[i] = rng() * 2 - 1;
  }
  at(hour: number): number {
    const x = (hour - NOISE_FROM_HOUR) / this.step;
    const i = Math.max(0, Math.min(this.knots.length - 2, Math.floor(x)));
    const f = Math.max(0, Math.min(1, x - i));
    const s = f * f * (3 - 2 * f);
    return this.knots[i] + (this.knots[i + 1] - this.knots[i]) * s;
  }
}

/** Tracks shared by the stations of one climate, so neighbours see the same fronts. */
interface RegionTracks {
  readonly fronts: NoiseTrack;
  readonly spells: NoiseTrack;
}

const round1 = (x: number) => Math.round(x * 10) / 10 + 0; // + 0 turns -0 into 0
const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

export function generateStations(size: WeatherSize = {}): StationRow[] {
  const count = Math.min(size.stations ?? STATIONS.length, STATIONS.length);
  const rng = rngFor('stations', size.seed ?? WEATHER_SEED);
  return STATIONS.slice(0, count).map(([code, name, country, latitude, longitude, elevation_m], i) => {
    // Opened between 1870 and 2009: most national networks date from the late 19th century.
    const openedMs = Date.UTC(1870, 0, 1) + Math.floor(rng() * 140 * 365.25) * DAY_MS;
    return { id: i + 1, code, name, country, latitude, longitude, elevation_m, opened_on: new Date(openedMs).toISOString().slice(0, 10) };
  });
}

/** How many observation rows a size yields: one per station per hour. */
export function observationCount(size: WeatherSize = {}): number {
  return generateStations(size).length * hoursOf(size);
}

const hoursOf = (size: WeatherSize) => Math.max(0, Math.min(size.days ?? WEATHER_DAYS, WEATHER_DAYS)) * 24;

/** `YYYY-MM-DDTHH:MM:SSZ` for each hour of the year, built once instead of once per row. */
function hourStamps(hours: number): string[] {
  const stamps = new Array<string>(hours);
  for (let h = 0; h < hours; h++) stamps[h] = new Date(WEATHER_EPOCH_MS + h * 3_600_000).toISOString().slice(0, 19) + 'Z';
  return stamps;
}

/**
 * The observations, station by station and hour by hour: the primary key's order, which is the
 * fastest order to insert. A station's values depend only on the seed, the station and the hour,
 * so a smaller size yields exactly the matching rows of the full demo.
 */
export function* generateObservations(stations: readonly StationRow[], size: WeatherSize = {}): Generator<ObservationRow> {
  const seed = size.seed ?? WEATHER_SEED;
  const stamps = hourStamps(hoursOf(size));
  const regions = new Map<Climate, RegionTracks>();
  for (const station of stations) {
    const climate = CLIMATE_OF.get(station.code) ?? 'maritime';
    let region = regions.get(climate);
    if (!region) {
      const rng = rngFor(`region:${climate}`, seed);
      region = { fronts: new NoiseTrack(rng, 30), spells: new NoiseTrack(rng, 120) };
      regions.set(climate, region);
    }
    yield* stationObservations(station, CLIMATES[climate], region, rngFor(`station:${station.code}`, seed), stamps);
  }
}

/**
 * One station's year. Temperature: a baseline by latitude and elevation, a seasonal cycle whose
 * swing grows with latitude and distance from the sea, warm and cold spells, and a daily cycle
 * peaking mid-afternoon local solar time that clouds flatten. Wetness (fronts plus local showers)
 * drives cloud, rain and humidity together, so rain falls when the air is near saturation.
 */
function* stationObservations(
  station: StationRow,
  climate: ClimateParams,
  region: RegionTracks,
  rng: Rng,
  stamps: readonly string[],
): Generator<ObservationRow> {
  const { latitude: lat, longitude: lon, elevation_m: elevation } = station;
  const local = { showers: new NoiseTrack(rng, 5), spells: new NoiseTrack(rng, 48), wind: new NoiseTrack(rng, 9), fronts: new NoiseTrack(rng, 22) };
  const hemisphere = lat < 0 ? -1 : 1;
  const absLat = Math.abs(lat);
  // About 27 °C at the equator, 12 °C at 52° and 0 °C at 70°; 6.5 °C cooler per km of height.
  const baseline = 27 - 0.0055 * absLat * absLat + climate.offset - 0.0065 * elevation;
  const swing = climate.seasonal * (2 + 0.15 * absLat);
  const lag = lon * HOURS_PER_DEGREE_EAST;

  for (let hour = 0; hour < stamps.length; hour++) {
    const day = hour / 24;
    // -1 around 20 January, +1 around 21 July (the other way round south of the equator).
    const season = -hemisphere * Math.cos((2 * Math.PI * (day - 20)) / 365.25);
    const winter = (1 - season) / 2;

    const front = 0.7 * region.fronts.at(hour - lag) + 0.3 * local.fronts.at(hour);
    const wetness = 0.65 * front + 0.35 * local.showers.at(hour) + climate.wet - climate.summerDry * Math.max(0, season);
    const cloud = clamp((wetness + 0.35) / 0.7, 0, 1);

    // Warm and cold spells last days; they are stronger in winter and inland (a continental cold snap).
    const spell = (0.65 * region.spells.at(hour - lag) + 0.35 * local.spells.at(hour)) * (5 + 3 * winter) * (0.5 + 0.5 * climate.seasonal);
    const mean = baseline + swing * season + spell;
    // Short winter days leave a smaller daily cycle, and almost none in the polar night.
    const daylight = (0.55 + 0.45 * (1 - winter)) * (1 - 0.85 * winter * (absLat / 90) ** 2);
    const range = climate.diurnal * (1 - 0.45 * cloud) * daylight;
    const solarHour = (hour % 24) + lon / 15;
    const sun = Math.cos((2 * Math.PI * (solarHour - 15)) / 24);
    const temperature = mean + (range / 2) * sun;

    const raining = wetness > RAIN_THRESHOLD;
    // Heavier in warm air, which holds more water.
    const precipitation = raining ? 6 * (wetness - RAIN_THRESHOLD) ** 1.4 * (1 + Math.max(0, mean) / 15) : 0;
    // The dew point trails the day's mean temperature, closer in wet weather; relative humidity
    // then follows from the Magnus formula, so it peaks at night and near 100% in rain.
    const depression = raining ? 0.4 : climate.dryness * (1 - 0.75 * cloud) * (0.7 + 0.6 * (1 - winter));
    const dewPoint = Math.min(temperature, mean - range * 0.3 - depression);
    const humidity = 100 * Math.exp((17.625 * dewPoint) / (243.04 + dewPoint) - (17.625 * temperature) / (243.04 + temperature));

    const gust = 1 + 1.2 * Math.max(0, front) ** 2;
    const wind = climate.wind * Math.exp(0.45 * local.wind.at(hour)) * gust * (1 + 0.15 * sun * (1 - cloud));

    yield {
      station_id: station.id,
      observed_at: stamps[hour],
      temperature_c: round1(temperature),
      humidity_pct: Math.round(clamp(humidity, 3, 100)),
      wind_kph: round1(Math.max(0, wind)),
      precipitation_mm: round1(precipitation),
    };
  }
}
