/**
 * Aircraft categories and types with published-order figures (approx.): charter seating, practical range with reserves,
 * typical cruise speed. Hourly rates are retail USD per flight hour within the category ranges of charter-domain.md.
 */
export const AIRCRAFT_CATEGORIES = [
  'turboprop',
  'very_light_jet',
  'light_jet',
  'midsize_jet',
  'super_midsize_jet',
  'heavy_jet',
  'ultra_long_range',
] as const;
export type AircraftCategory = (typeof AIRCRAFT_CATEGORIES)[number];

export interface CategoryProfile {
  label: string;
  /** Retail hourly-rate bounds in USD cents; every aircraft's rate is clamped into them. */
  minHourlyRate: number;
  maxHourlyRate: number;
  /** Fuel surcharge per flight hour (cents), applied to every hour flown including positioning. */
  fuelSurchargePerHour: number;
  /** Crew overnight (RON) per night away from base (cents), for the whole crew. */
  crewOvernightPerNight: number;
}

export const CATEGORY_PROFILES: Readonly<Record<AircraftCategory, CategoryProfile>> = {
  turboprop: {
    label: 'Turboprop',
    minHourlyRate: 180_000,
    maxHourlyRate: 300_000,
    fuelSurchargePerHour: 15_000,
    crewOvernightPerNight: 100_000,
  },
  very_light_jet: {
    label: 'Very light jet',
    minHourlyRate: 250_000,
    maxHourlyRate: 400_000,
    fuelSurchargePerHour: 20_000,
    crewOvernightPerNight: 100_000,
  },
  light_jet: {
    label: 'Light jet',
    minHourlyRate: 350_000,
    maxHourlyRate: 600_000,
    fuelSurchargePerHour: 30_000,
    crewOvernightPerNight: 110_000,
  },
  midsize_jet: {
    label: 'Midsize jet',
    minHourlyRate: 450_000,
    maxHourlyRate: 750_000,
    fuelSurchargePerHour: 40_000,
    crewOvernightPerNight: 125_000,
  },
  super_midsize_jet: {
    label: 'Super-midsize jet',
    minHourlyRate: 650_000,
    maxHourlyRate: 1_000_000,
    fuelSurchargePerHour: 50_000,
    crewOvernightPerNight: 140_000,
  },
  heavy_jet: {
    label: 'Heavy jet',
    minHourlyRate: 800_000,
    maxHourlyRate: 1_400_000,
    fuelSurchargePerHour: 70_000,
    crewOvernightPerNight: 175_000,
  },
  ultra_long_range: {
    label: 'Ultra-long-range jet',
    minHourlyRate: 1_100_000,
    maxHourlyRate: 2_000_000,
    fuelSurchargePerHour: 90_000,
    crewOvernightPerNight: 200_000,
  },
};

export interface AircraftType {
  code: string;
  manufacturer: string;
  model: string;
  category: AircraftCategory;
  seats: number;
  rangeNm: number;
  cruiseSpeedKts: number;
  /** Typical retail rate in cents; individual aircraft vary around it. */
  baseHourlyRate: number;
  /** First year of delivery of this variant, lower bound for generated years of manufacture. */
  introducedYear: number;
}

export const AIRCRAFT_TYPES: readonly AircraftType[] = [
  t('PC12', 'Pilatus', 'PC-12 NGX', 'turboprop', 8, 1500, 285, 2_200, 2008),
  t('B350', 'Beechcraft', 'King Air 350i', 'turboprop', 8, 1450, 300, 2_600, 2009),
  t('BE20', 'Beechcraft', 'King Air 250', 'turboprop', 7, 1200, 290, 2_100, 2012),
  t('E50P', 'Embraer', 'Phenom 100EV', 'very_light_jet', 4, 1150, 390, 2_900, 2009),
  t('HDJT', 'Honda Aircraft', 'HondaJet Elite II', 'very_light_jet', 5, 1200, 420, 3_300, 2016),
  t('C25M', 'Cessna', 'Citation M2 Gen2', 'very_light_jet', 5, 1100, 400, 3_100, 2013),
  t('E55P', 'Embraer', 'Phenom 300E', 'light_jet', 7, 1950, 450, 4_600, 2010),
  t('C25B', 'Cessna', 'Citation CJ3+', 'light_jet', 7, 1850, 415, 4_200, 2005),
  t('C25C', 'Cessna', 'Citation CJ4', 'light_jet', 8, 2000, 450, 4_800, 2010),
  t('LJ75', 'Bombardier', 'Learjet 75 Liberty', 'light_jet', 7, 1900, 445, 4_700, 2014),
  t('C56X', 'Cessna', 'Citation XLS+', 'midsize_jet', 8, 2000, 440, 5_400, 2008),
  t('C68A', 'Cessna', 'Citation Latitude', 'midsize_jet', 9, 2700, 446, 6_300, 2015),
  t('H25B', 'Hawker Beechcraft', 'Hawker 900XP', 'midsize_jet', 8, 2500, 448, 5_200, 2005),
  t('CL35', 'Bombardier', 'Challenger 350', 'super_midsize_jet', 9, 3200, 459, 8_200, 2014),
  t('E545', 'Embraer', 'Praetor 600', 'super_midsize_jet', 9, 3600, 466, 8_500, 2019),
  t('G280', 'Gulfstream', 'G280', 'super_midsize_jet', 9, 3600, 459, 8_800, 2012),
  t('C700', 'Cessna', 'Citation Longitude', 'super_midsize_jet', 9, 3500, 470, 8_600, 2019),
  t('CL60', 'Bombardier', 'Challenger 650', 'heavy_jet', 12, 4000, 470, 10_500, 2015),
  t('F900', 'Dassault', 'Falcon 900LX', 'heavy_jet', 13, 4500, 470, 11_500, 2010),
  t('GLF4', 'Gulfstream', 'G450', 'heavy_jet', 14, 4200, 476, 11_000, 2005),
  t('GLEX', 'Bombardier', 'Global 6000', 'ultra_long_range', 14, 6000, 488, 14_500, 2012),
  t('GLF6', 'Gulfstream', 'G650ER', 'ultra_long_range', 16, 7500, 488, 17_000, 2014),
  t('GL7T', 'Bombardier', 'Global 7500', 'ultra_long_range', 17, 7700, 488, 18_000, 2018),
  t('FA8X', 'Dassault', 'Falcon 8X', 'ultra_long_range', 14, 6450, 488, 15_000, 2016),
];

export const AIRCRAFT_TYPES_BY_CODE: ReadonlyMap<string, AircraftType> = new Map(
  AIRCRAFT_TYPES.map((x) => [x.code, x]),
);

function t(
  code: string,
  manufacturer: string,
  model: string,
  category: AircraftCategory,
  seats: number,
  rangeNm: number,
  cruiseSpeedKts: number,
  baseHourlyRateUsd: number,
  introducedYear: number,
): AircraftType {
  return {
    code,
    manufacturer,
    model,
    category,
    seats,
    rangeNm,
    cruiseSpeedKts,
    baseHourlyRate: baseHourlyRateUsd * 100,
    introducedYear,
  };
}
