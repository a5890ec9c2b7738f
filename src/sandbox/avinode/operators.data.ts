/**
 * Charter operators (fictional companies) with their certificates, bases, audits, insurance and fleet composition.
 * Tail numbers, years and exact rates are drawn from the seed in avinode.state.ts; the composition here is fixed so that
 * every seed has the same categories and counts.
 */
export type ArgusRating = 'Gold' | 'Gold+' | 'Platinum';
export type WyvernRating = 'Wingman';
export type IsBaoStage = 'Stage 1' | 'Stage 2' | 'Stage 3';

export interface OperatorIncident {
  date: string;
  severity: 'occurrence' | 'incident' | 'accident';
  aircraftModel: string;
  description: string;
  injuries: number;
}

export interface OperatorSeed {
  id: string;
  name: string;
  country: string;
  certificate: { authority: string; type: string; number: string };
  /** ICAO codes; the first one is the headquarters. */
  bases: string[];
  /** Registration prefix for generated tails: `N` (US), `G-` (UK), `HB-` (CH), `C-G` (CA). */
  registrationPrefix: 'N' | 'G-' | 'HB-' | 'C-G';
  foundedYear: number;
  argus: ArgusRating | null;
  wyvern: WyvernRating | null;
  isBao: IsBaoStage | null;
  /** Aircraft liability cover per occurrence, USD cents. */
  liabilityCoverage: number;
  insurer: string;
  fleet: ReadonlyArray<readonly [typeCode: string, count: number]>;
  incidents: OperatorIncident[];
}

const M = 100_000_000; // USD 1M in cents

export const OPERATORS: readonly OperatorSeed[] = [
  {
    id: 'op-atlantic-crown',
    name: 'Atlantic Crown Aviation',
    country: 'US',
    certificate: { authority: 'FAA', type: 'Part 135', number: 'AC7A412K' },
    bases: ['KTEB', 'KHPN', 'KPBI'],
    registrationPrefix: 'N',
    foundedYear: 1998,
    argus: 'Platinum',
    wyvern: 'Wingman',
    isBao: 'Stage 3',
    liabilityCoverage: 300 * M,
    insurer: 'Global Aerospace',
    fleet: [
      ['E55P', 2],
      ['C68A', 2],
      ['CL35', 2],
      ['GLF4', 1],
      ['GLF6', 1],
    ],
    incidents: [
      {
        date: '2017-02-11',
        severity: 'occurrence',
        aircraftModel: 'Citation Latitude',
        description: 'Bird strike on approach to KHPN; inspected, no damage found.',
        injuries: 0,
      },
    ],
  },
  {
    id: 'op-palmetto-sky',
    name: 'Palmetto Sky Charter',
    country: 'US',
    certificate: { authority: 'FAA', type: 'Part 135', number: 'P5SA209F' },
    bases: ['KPBI', 'KOPF', 'KFXE'],
    registrationPrefix: 'N',
    foundedYear: 2006,
    argus: 'Gold+',
    wyvern: null,
    isBao: null,
    liabilityCoverage: 100 * M,
    insurer: 'Starr Aviation',
    fleet: [
      ['B350', 1],
      ['E50P', 2],
      ['C25B', 2],
      ['C56X', 2],
    ],
    incidents: [
      {
        date: '2019-08-03',
        severity: 'incident',
        aircraftModel: 'Citation CJ3+',
        description: 'Hard landing at KFXE in gusty crosswind; nose gear inspected and replaced.',
        injuries: 0,
      },
    ],
  },
  {
    id: 'op-great-lakes-exec',
    name: 'Great Lakes Executive Air',
    country: 'US',
    certificate: { authority: 'FAA', type: 'Part 135', number: 'GL3A881C' },
    bases: ['KPWK', 'KMDW'],
    registrationPrefix: 'N',
    foundedYear: 2001,
    argus: 'Gold',
    wyvern: 'Wingman',
    isBao: null,
    liabilityCoverage: 150 * M,
    insurer: 'USAIG',
    fleet: [
      ['PC12', 2],
      ['C25C', 2],
      ['C56X', 1],
      ['CL35', 1],
    ],
    incidents: [],
  },
  {
    id: 'op-lone-star',
    name: 'Lone Star Jet Charter',
    country: 'US',
    certificate: { authority: 'FAA', type: 'Part 135', number: 'LS2A574S' },
    bases: ['KDAL', 'KHOU', 'KAUS'],
    registrationPrefix: 'N',
    foundedYear: 2004,
    argus: 'Gold+',
    wyvern: 'Wingman',
    isBao: 'Stage 1',
    liabilityCoverage: 200 * M,
    insurer: 'Global Aerospace',
    fleet: [
      ['HDJT', 2],
      ['LJ75', 2],
      ['H25B', 1],
      ['G280', 1],
      ['CL60', 1],
    ],
    incidents: [
      {
        date: '2015-05-21',
        severity: 'incident',
        aircraftModel: 'Hawker 900XP',
        description: 'Rejected take-off at KHOU after a bleed-air warning; passengers deplaned normally.',
        injuries: 0,
      },
    ],
  },
  {
    id: 'op-rocky-mountain',
    name: 'Rocky Mountain Air Partners',
    country: 'US',
    certificate: { authority: 'FAA', type: 'Part 135', number: 'RM9A330D' },
    bases: ['KAPA', 'KEGE', 'KASE'],
    registrationPrefix: 'N',
    foundedYear: 2009,
    argus: 'Platinum',
    wyvern: 'Wingman',
    isBao: 'Stage 2',
    liabilityCoverage: 200 * M,
    insurer: 'Allianz Global Corporate & Specialty',
    fleet: [
      ['PC12', 2],
      ['B350', 1],
      ['E55P', 1],
      ['C68A', 1],
      ['E545', 1],
    ],
    incidents: [],
  },
  {
    id: 'op-pacific-meridian',
    name: 'Pacific Meridian Jets',
    country: 'US',
    certificate: { authority: 'FAA', type: 'Part 135', number: 'PM4A118W' },
    bases: ['KVNY', 'KSNA', 'KSJC'],
    registrationPrefix: 'N',
    foundedYear: 1995,
    argus: 'Platinum',
    wyvern: 'Wingman',
    isBao: 'Stage 3',
    liabilityCoverage: 300 * M,
    insurer: 'AIG Aerospace',
    fleet: [
      ['C25M', 1],
      ['E55P', 2],
      ['C68A', 1],
      ['C700', 1],
      ['GLF4', 1],
      ['GLEX', 1],
    ],
    incidents: [
      {
        date: '2012-12-07',
        severity: 'incident',
        aircraftModel: 'G450',
        description: 'Diversion to KSFO after a cabin pressurisation advisory; descended and landed without injury.',
        injuries: 0,
      },
    ],
  },
  {
    id: 'op-cascade-exec',
    name: 'Cascade Executive Aviation',
    country: 'US',
    certificate: { authority: 'FAA', type: 'Part 135', number: 'CX6A902N' },
    bases: ['KSEA'],
    registrationPrefix: 'N',
    foundedYear: 2011,
    argus: 'Gold',
    wyvern: null,
    isBao: null,
    liabilityCoverage: 100 * M,
    insurer: 'Starr Aviation',
    fleet: [
      ['BE20', 1],
      ['C25B', 1],
      ['C56X', 1],
      ['CL35', 1],
    ],
    incidents: [],
  },
  {
    id: 'op-desert-sun',
    name: 'Desert Sun Aviation',
    country: 'US',
    certificate: { authority: 'FAA', type: 'Part 135', number: 'DS8A245P' },
    bases: ['KSDL', 'KLAS'],
    registrationPrefix: 'N',
    foundedYear: 2007,
    argus: 'Gold',
    wyvern: 'Wingman',
    isBao: null,
    liabilityCoverage: 150 * M,
    insurer: 'USAIG',
    fleet: [
      ['E50P', 1],
      ['C25C', 1],
      ['H25B', 1],
      ['CL35', 1],
      ['F900', 1],
    ],
    incidents: [
      {
        date: '2021-07-18',
        severity: 'occurrence',
        aircraftModel: 'Citation CJ4',
        description: 'Ground handling contact with a tug at KLAS; wingtip repaired before the next flight.',
        injuries: 0,
      },
    ],
  },
  {
    id: 'op-capitol-aviation',
    name: 'Capitol Aviation Group',
    country: 'US',
    certificate: { authority: 'FAA', type: 'Part 135', number: 'CG1A667V' },
    bases: ['KIAD', 'KBED'],
    registrationPrefix: 'N',
    foundedYear: 1992,
    argus: 'Platinum',
    wyvern: 'Wingman',
    isBao: 'Stage 2',
    liabilityCoverage: 500 * M,
    insurer: 'Global Aerospace',
    fleet: [
      ['LJ75', 1],
      ['C68A', 1],
      ['G280', 1],
      ['CL60', 1],
      ['GLF6', 1],
    ],
    incidents: [],
  },
  {
    id: 'op-peachtree-air',
    name: 'Peachtree Air Charter',
    country: 'US',
    certificate: { authority: 'FAA', type: 'Part 135', number: 'PT5A390G' },
    bases: ['KPDK', 'KBNA'],
    registrationPrefix: 'N',
    foundedYear: 2013,
    argus: 'Gold+',
    wyvern: null,
    isBao: null,
    liabilityCoverage: 100 * M,
    insurer: 'AIG Aerospace',
    fleet: [
      ['HDJT', 1],
      ['C25B', 1],
      ['C56X', 1],
      ['CL35', 1],
    ],
    incidents: [],
  },
  {
    id: 'op-summit-global',
    name: 'Summit Global Jets',
    country: 'US',
    certificate: { authority: 'FAA', type: 'Part 135', number: 'SG2A751T' },
    bases: ['KTEB', 'KVNY'],
    registrationPrefix: 'N',
    foundedYear: 2003,
    argus: 'Platinum',
    wyvern: 'Wingman',
    isBao: 'Stage 3',
    liabilityCoverage: 500 * M,
    insurer: 'Allianz Global Corporate & Specialty',
    fleet: [
      ['GL7T', 1],
      ['GLF6', 1],
      ['FA8X', 1],
      ['GLEX', 1],
    ],
    incidents: [],
  },
  {
    id: 'op-island-hopper',
    name: 'Island Hopper Air',
    country: 'US',
    certificate: { authority: 'FAA', type: 'Part 135', number: 'IH7A058J' },
    bases: ['KOPF', 'TJSJ'],
    registrationPrefix: 'N',
    foundedYear: 2010,
    argus: 'Gold',
    wyvern: null,
    isBao: null,
    liabilityCoverage: 100 * M,
    insurer: 'Starr Aviation',
    fleet: [
      ['B350', 1],
      ['PC12', 1],
      ['E50P', 1],
      ['C25B', 1],
    ],
    incidents: [
      {
        date: '2018-10-02',
        severity: 'incident',
        aircraftModel: 'King Air 350i',
        description: 'Precautionary engine shutdown after a chip light; single-engine landing at TJSJ.',
        injuries: 0,
      },
    ],
  },
  {
    id: 'op-thames-executive',
    name: 'Thames Executive Aviation',
    country: 'GB',
    certificate: { authority: 'UK CAA', type: 'AOC', number: 'GB 2417' },
    bases: ['EGGW', 'EGLF'],
    registrationPrefix: 'G-',
    foundedYear: 2000,
    argus: null,
    wyvern: 'Wingman',
    isBao: 'Stage 3',
    liabilityCoverage: 250 * M,
    insurer: 'Global Aerospace',
    fleet: [
      ['E55P', 1],
      ['C56X', 1],
      ['CL35', 1],
      ['F900', 1],
      ['GLEX', 1],
    ],
    incidents: [],
  },
  {
    id: 'op-alpine-jet',
    name: 'Alpine Jet Services',
    country: 'CH',
    certificate: { authority: 'FOCA', type: 'AOC', number: 'CH.AOC.1042' },
    bases: ['LSGG'],
    registrationPrefix: 'HB-',
    foundedYear: 2005,
    argus: null,
    wyvern: 'Wingman',
    isBao: 'Stage 2',
    liabilityCoverage: 200 * M,
    insurer: 'Swiss Re Corporate Solutions',
    fleet: [
      ['E55P', 1],
      ['CL35', 1],
      ['FA8X', 1],
    ],
    incidents: [],
  },
  {
    id: 'op-maple-leaf',
    name: 'Maple Leaf Executive',
    country: 'CA',
    certificate: { authority: 'Transport Canada', type: 'AOC (CAR 704)', number: '18452' },
    bases: ['CYYZ', 'CYUL'],
    registrationPrefix: 'C-G',
    foundedYear: 1999,
    argus: 'Gold',
    wyvern: null,
    isBao: 'Stage 2',
    liabilityCoverage: 150 * M,
    insurer: 'Northbridge Aviation',
    fleet: [
      ['C56X', 1],
      ['CL35', 1],
      ['CL60', 1],
    ],
    incidents: [],
  },
];
