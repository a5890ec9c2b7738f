/**
 * Business-aviation airports with their real reference-point coordinates (degrees, 4 decimals) and IANA time zones.
 * Fees are sandbox figures in USD cents for a mid-weight business jet (approx.; real fees vary by weight and FBO):
 * `landingFee` per landing, `handlingFee` per visit (FBO handling, ramp and parking for a turn or an overnight).
 */
export interface Airport {
  icao: string;
  iata: string | null;
  name: string;
  city: string;
  /** ISO 3166-1 alpha-2; Puerto Rico is `PR` (treated as international by the sandbox's tax rules, see pricing.ts). */
  country: string;
  latitude: number;
  longitude: number;
  timezone: string;
  landingFee: number;
  handlingFee: number;
}

type Row = [
  icao: string,
  iata: string | null,
  name: string,
  city: string,
  country: string,
  latitude: number,
  longitude: number,
  timezone: string,
  landingFeeUsd: number,
  handlingFeeUsd: number,
];

const NY = 'America/New_York';
const CHI = 'America/Chicago';
const DEN = 'America/Denver';
const PHX = 'America/Phoenix';
const LA = 'America/Los_Angeles';

const ROWS: readonly Row[] = [
  ['KTEB', 'TEB', 'Teterboro Airport', 'Teterboro', 'US', 40.8501, -74.0608, NY, 650, 900],
  ['KJFK', 'JFK', 'John F. Kennedy International Airport', 'New York', 'US', 40.6398, -73.7789, NY, 1800, 1500],
  ['KHPN', 'HPN', 'Westchester County Airport', 'White Plains', 'US', 41.067, -73.7076, NY, 450, 850],
  ['KMMU', 'MMU', 'Morristown Municipal Airport', 'Morristown', 'US', 40.7994, -74.4149, NY, 300, 700],
  ['KBOS', 'BOS', 'Boston Logan International Airport', 'Boston', 'US', 42.3656, -71.0096, NY, 900, 1000],
  ['KBED', 'BED', 'Laurence G. Hanscom Field', 'Bedford', 'US', 42.47, -71.289, NY, 250, 650],
  ['KACK', 'ACK', 'Nantucket Memorial Airport', 'Nantucket', 'US', 41.2531, -70.0602, NY, 400, 750],
  ['KMVY', 'MVY', "Martha's Vineyard Airport", 'Vineyard Haven', 'US', 41.3931, -70.6143, NY, 350, 700],
  ['KIAD', 'IAD', 'Washington Dulles International Airport', 'Washington', 'US', 38.9445, -77.4558, NY, 850, 950],
  ['KPBI', 'PBI', 'Palm Beach International Airport', 'West Palm Beach', 'US', 26.6832, -80.0956, NY, 400, 800],
  ['KBCT', 'BCT', 'Boca Raton Airport', 'Boca Raton', 'US', 26.3785, -80.1077, NY, 200, 600],
  ['KFXE', 'FXE', 'Fort Lauderdale Executive Airport', 'Fort Lauderdale', 'US', 26.1973, -80.1707, NY, 200, 550],
  [
    'KFLL',
    'FLL',
    'Fort Lauderdale-Hollywood International Airport',
    'Fort Lauderdale',
    'US',
    26.0726,
    -80.1527,
    NY,
    600,
    800,
  ],
  ['KMIA', 'MIA', 'Miami International Airport', 'Miami', 'US', 25.7932, -80.2906, NY, 900, 950],
  ['KOPF', 'OPF', 'Miami-Opa Locka Executive Airport', 'Opa-locka', 'US', 25.907, -80.2784, NY, 250, 600],
  ['KAPF', 'APF', 'Naples Airport', 'Naples', 'US', 26.1526, -81.7753, NY, 300, 650],
  ['KPDK', 'PDK', 'DeKalb-Peachtree Airport', 'Atlanta', 'US', 33.8756, -84.302, NY, 200, 600],
  ['KBNA', 'BNA', 'Nashville International Airport', 'Nashville', 'US', 36.1245, -86.6782, CHI, 450, 700],
  ['KORD', 'ORD', "Chicago O'Hare International Airport", 'Chicago', 'US', 41.9786, -87.9048, CHI, 1200, 1100],
  ['KMDW', 'MDW', 'Chicago Midway International Airport', 'Chicago', 'US', 41.7868, -87.7522, CHI, 600, 850],
  ['KPWK', 'PWK', 'Chicago Executive Airport', 'Wheeling', 'US', 42.1142, -87.9015, CHI, 250, 650],
  ['KDAL', 'DAL', 'Dallas Love Field', 'Dallas', 'US', 32.8471, -96.8518, CHI, 450, 800],
  ['KHOU', 'HOU', 'William P. Hobby Airport', 'Houston', 'US', 29.6454, -95.2789, CHI, 450, 750],
  ['KAUS', 'AUS', 'Austin-Bergstrom International Airport', 'Austin', 'US', 30.1945, -97.6699, CHI, 450, 750],
  ['KDEN', 'DEN', 'Denver International Airport', 'Denver', 'US', 39.8617, -104.6732, DEN, 700, 850],
  ['KAPA', 'APA', 'Centennial Airport', 'Denver', 'US', 39.5701, -104.8493, DEN, 250, 650],
  ['KASE', 'ASE', 'Aspen/Pitkin County Airport', 'Aspen', 'US', 39.2232, -106.8688, DEN, 900, 1400],
  ['KEGE', 'EGE', 'Eagle County Regional Airport', 'Eagle', 'US', 39.6426, -106.9177, DEN, 600, 1200],
  ['KJAC', 'JAC', 'Jackson Hole Airport', 'Jackson', 'US', 43.6073, -110.7377, DEN, 700, 1200],
  ['KSUN', 'SUN', 'Friedman Memorial Airport', 'Hailey', 'US', 43.5044, -114.2962, 'America/Boise', 500, 1000],
  ['KSDL', 'SCF', 'Scottsdale Airport', 'Scottsdale', 'US', 33.6229, -111.9105, PHX, 300, 700],
  ['KLAS', 'LAS', 'Harry Reid International Airport', 'Las Vegas', 'US', 36.0801, -115.1522, LA, 600, 850],
  ['KPSP', 'PSP', 'Palm Springs International Airport', 'Palm Springs', 'US', 33.8297, -116.5067, LA, 350, 750],
  ['KVNY', 'VNY', 'Van Nuys Airport', 'Los Angeles', 'US', 34.2098, -118.4898, LA, 300, 800],
  ['KLAX', 'LAX', 'Los Angeles International Airport', 'Los Angeles', 'US', 33.9425, -118.4081, LA, 1100, 1100],
  ['KSNA', 'SNA', 'John Wayne Airport', 'Santa Ana', 'US', 33.6757, -117.8682, LA, 500, 800],
  ['KSAN', 'SAN', 'San Diego International Airport', 'San Diego', 'US', 32.7336, -117.1897, LA, 600, 800],
  ['KSFO', 'SFO', 'San Francisco International Airport', 'San Francisco', 'US', 37.619, -122.3749, LA, 1000, 1000],
  ['KSJC', 'SJC', 'San Jose Mineta International Airport', 'San Jose', 'US', 37.3626, -121.9291, LA, 500, 800],
  ['KSEA', 'SEA', 'Seattle-Tacoma International Airport', 'Seattle', 'US', 47.449, -122.3093, LA, 700, 850],
  [
    'CYYZ',
    'YYZ',
    'Toronto Pearson International Airport',
    'Toronto',
    'CA',
    43.6772,
    -79.6306,
    'America/Toronto',
    900,
    950,
  ],
  [
    'CYUL',
    'YUL',
    'Montréal-Trudeau International Airport',
    'Montréal',
    'CA',
    45.4706,
    -73.7408,
    'America/Toronto',
    800,
    900,
  ],
  ['EGLL', 'LHR', 'London Heathrow Airport', 'London', 'GB', 51.4706, -0.4619, 'Europe/London', 3500, 2500],
  ['EGGW', 'LTN', 'London Luton Airport', 'Luton', 'GB', 51.8747, -0.3683, 'Europe/London', 1100, 1400],
  ['EGLF', 'FAB', 'Farnborough Airport', 'Farnborough', 'GB', 51.2758, -0.7763, 'Europe/London', 1400, 1800],
  ['EGKB', 'BQH', 'London Biggin Hill Airport', 'London', 'GB', 51.3308, 0.0325, 'Europe/London', 900, 1300],
  ['LFPB', 'LBG', 'Paris-Le Bourget Airport', 'Paris', 'FR', 48.9694, 2.4414, 'Europe/Paris', 1000, 1500],
  ['LFMN', 'NCE', "Nice Côte d'Azur Airport", 'Nice', 'FR', 43.6584, 7.2159, 'Europe/Paris', 1200, 1600],
  ['LSGG', 'GVA', 'Geneva Airport', 'Geneva', 'CH', 46.2381, 6.109, 'Europe/Zurich', 1100, 1500],
  ['LIML', 'LIN', 'Milan Linate Airport', 'Milan', 'IT', 45.4451, 9.2767, 'Europe/Rome', 900, 1300],
  ['LEIB', 'IBZ', 'Ibiza Airport', 'Ibiza', 'ES', 38.8729, 1.3731, 'Europe/Madrid', 800, 1300],
  [
    'MMMX',
    'MEX',
    'Mexico City International Airport',
    'Mexico City',
    'MX',
    19.4363,
    -99.0721,
    'America/Mexico_City',
    900,
    1000,
  ],
  [
    'MMSD',
    'SJD',
    'Los Cabos International Airport',
    'San José del Cabo',
    'MX',
    23.1518,
    -109.7215,
    'America/Mazatlan',
    700,
    1100,
  ],
  ['MYNN', 'NAS', 'Lynden Pindling International Airport', 'Nassau', 'BS', 25.039, -77.4662, NY, 500, 900],
  [
    'TJSJ',
    'SJU',
    'Luis Muñoz Marín International Airport',
    'San Juan',
    'PR',
    18.4394,
    -66.0018,
    'America/Puerto_Rico',
    600,
    850,
  ],
  ['TIST', 'STT', 'Cyril E. King Airport', 'Charlotte Amalie', 'VI', 18.3373, -64.9734, 'America/St_Thomas', 450, 800],
  [
    'TNCM',
    'SXM',
    'Princess Juliana International Airport',
    'Philipsburg',
    'SX',
    18.041,
    -63.1089,
    'America/Lower_Princes',
    650,
    950,
  ],
  [
    'MBPV',
    'PLS',
    'Providenciales International Airport',
    'Providenciales',
    'TC',
    21.7736,
    -72.2659,
    'America/Grand_Turk',
    550,
    950,
  ],
  [
    'TBPB',
    'BGI',
    'Grantley Adams International Airport',
    'Bridgetown',
    'BB',
    13.0746,
    -59.4925,
    'America/Barbados',
    600,
    950,
  ],
];

export const AIRPORTS: readonly Airport[] = ROWS.map(
  ([icao, iata, name, city, country, latitude, longitude, timezone, landingFeeUsd, handlingFeeUsd]) => ({
    icao,
    iata,
    name,
    city,
    country,
    latitude,
    longitude,
    timezone,
    landingFee: landingFeeUsd * 100,
    handlingFee: handlingFeeUsd * 100,
  }),
);

export const AIRPORTS_BY_ICAO: ReadonlyMap<string, Airport> = new Map(AIRPORTS.map((a) => [a.icao, a]));
