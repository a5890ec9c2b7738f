import type { SandboxStateOptions } from '../core/sandbox-definition.js';
import { hashInts, intBetween, mulberry32, pick } from '../core/seeded-random.js';
import {
  CITIES,
  EMPLOYEE_RANGES,
  FIRST_NAMES,
  INDUSTRIES,
  LAST_NAMES,
  ORG_CORES,
  ORG_PREFIXES,
  ORG_SUFFIXES,
  TECHNOLOGIES,
  TITLES,
  type EmployeeRange,
  type TitleSpec,
} from './apollo-reference.data.js';

export const DEFAULT_PEOPLE = 2_000;
const MIN_ORGANIZATIONS = 320;
const PEOPLE_PER_ORGANIZATION = 6;
const DAY_MS = 86_400_000;
/** Seeded records were last touched within this window before `now`. */
const UPDATED_WINDOW_MS = 180 * DAY_MS;

// Independent random streams per record, so adding a field to one stream never reshuffles another.
const STREAM = {
  person: 1,
  org: 2,
  details: 3,
  linkedin: 4,
  emailStatus: 5,
  personId: 6,
  orgId: 7,
  sequenceId: 8,
} as const;

export type EmailStatus = 'verified' | 'unverified' | 'unavailable';

export interface ApolloLocation {
  city: string;
  state: string;
  country: string;
}

export interface ApolloOrganization {
  id: string;
  name: string;
  domain: string;
  websiteUrl: string;
  linkedinUrl: string;
  phone: string;
  industry: string;
  employeeRange: EmployeeRange;
  employeeCount: number;
  annualRevenue: number;
  foundedYear: number;
  headquarters: ApolloLocation;
  technologies: string[];
}

/** Fields an upstream edit (admin data change) may set on a contact. */
export interface PersonPatch {
  firstName?: string;
  lastName?: string;
  title?: string;
  seniority?: string;
  departments?: string[];
  city?: string;
  state?: string;
  country?: string;
  phone?: string;
  emailStatus?: EmailStatus;
}

/** A contact that did not come from the seeded database (added to a sequence by an unknown email). */
interface CreatedPerson {
  firstName: string;
  lastName: string;
  email: string;
  orgIdx: number;
}

export interface SequenceStep {
  position: number;
  delayDays: number;
  subject: string;
  template: string | null;
}

export interface ApolloSequence {
  id: string;
  name: string;
  status: 'active' | 'completed';
  contactIds: string[];
  steps: SequenceStep[];
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
}

/**
 * The Apollo sandbox's data. People are stored as columns of small integers (indexes into the word lists) and
 * everything else about a person is derived on demand from (seed, index), so 100,000 people build in well under
 * a second. Edits live in side tables (`patches`, `created`, `enriched`, `deleted`).
 */
export interface ApolloState {
  seed: number;
  now: number;
  orgs: ApolloOrganization[];
  orgByDomain: Map<string, number>;
  orgCity: number[];
  orgIndustry: number[];
  orgRange: number[];
  orgPeople: number[][];
  ids: string[];
  idIndex: Map<string, number>;
  personOrg: number[];
  personFirst: number[];
  personLast: number[];
  personTitle: number[];
  personCity: number[];
  updatedAt: number[];
  patches: Map<number, PersonPatch>;
  created: Map<number, CreatedPerson>;
  enriched: Set<number>;
  deleted: Set<number>;
  /** Change log in (updatedAt, id) order; an entry is stale once its record changed again. */
  logIdx: number[];
  logAt: number[];
  lastChangeAt: number;
  emailIndex: Map<string, number> | null;
  linkedinIndex: Map<string, number> | null;
  sequences: Map<string, ApolloSequence>;
  sequenceCounter: number;
}

const hex = (n: number, width: number): string => (n >>> 0).toString(16).padStart(8, '0').slice(-width);

/** 24 hex digits like Apollo's (Mongo ObjectId) ids: 8 time-like, 10 random, 6 counter (unique by construction). */
function objectId(seed: number, stream: number, index: number): string {
  const h = hashInts(seed, stream, index);
  const time = (0x5f000000 + (h % 0x0fffffff)) >>> 0;
  const mixed = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return `${time.toString(16)}${mixed.toString(16).padStart(8, '0')}${((h & 0xff) * 0x1000000 + index).toString(16).padStart(8, '0')}`;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9]+/g, '');
}

function weightedPicker<T extends { weight: number }>(items: readonly T[]): (random: () => number) => number {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const item of items) cumulative.push((acc += item.weight));
  return (random) => {
    const target = random() * total;
    const index = cumulative.findIndex((c) => target < c);
    return index < 0 ? items.length - 1 : index;
  };
}

const pickTitle = weightedPicker(TITLES);
const pickRange = weightedPicker(EMPLOYEE_RANGES);

export function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`index ${index} out of range`);
  return item;
}

function phoneNumber(random: () => number, prefix: string): string {
  return `${prefix} ${intBetween(random, 200, 989)}-${String(intBetween(random, 0, 9999)).padStart(4, '0')}`;
}

const NAME_SPACE = ORG_PREFIXES.length * ORG_CORES.length * ORG_SUFFIXES.length;
/** Multiplier coprime to NAME_SPACE, so i → name is a scrambled one-to-one mapping (no retries, no collisions). */
const NAME_STRIDE = ((): number => {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let stride = 7919;
  while (gcd(stride, NAME_SPACE) !== 1) stride += 2;
  return stride;
})();

function organizationName(i: number): string {
  const code = (i * NAME_STRIDE + 12_345) % NAME_SPACE;
  const suffix = at(ORG_SUFFIXES, code % ORG_SUFFIXES.length);
  const core = at(ORG_CORES, Math.floor(code / ORG_SUFFIXES.length) % ORG_CORES.length);
  const prefix = at(ORG_PREFIXES, Math.floor(code / (ORG_SUFFIXES.length * ORG_CORES.length)));
  const name = `${prefix} ${core}${suffix ? ` ${suffix}` : ''}`;
  return i < NAME_SPACE ? name : `${name} ${Math.floor(i / NAME_SPACE) + 1}`;
}

function buildOrganizations(
  seed: number,
  count: number,
  now: Date,
): Pick<ApolloState, 'orgs' | 'orgByDomain' | 'orgCity' | 'orgIndustry' | 'orgRange'> {
  const orgs: ApolloOrganization[] = [];
  const orgByDomain = new Map<string, number>();
  const orgCity: number[] = [];
  const orgIndustry: number[] = [];
  const orgRange: number[] = [];
  const tlds = ['com', 'com', 'com', 'com', 'io', 'co', 'net', 'group'];
  for (let i = 0; i < count; i++) {
    const random = mulberry32(hashInts(seed, STREAM.org, i));
    const name = organizationName(i);
    let domain = `${slug(name)}.${pick(random, tlds)}`;
    if (orgByDomain.has(domain)) domain = `${slug(name)}${i}.com`;

    const industryIdx = Math.floor(random() * INDUSTRIES.length);
    const rangeIdx = pickRange(random);
    const range = at(EMPLOYEE_RANGES, rangeIdx);
    const employeeCount = intBetween(random, range.min, range.max);
    const cityIdx = Math.floor(random() * CITIES.length);
    const city = at(CITIES, cityIdx);
    const technologies = new Set<string>();
    const techCount = intBetween(random, 3, 8);
    while (technologies.size < techCount) technologies.add(pick(random, TECHNOLOGIES));
    const revenuePerEmployee = intBetween(random, 120, 650) * 1000;
    const age = Math.floor(random() ** 1.5 * 100) + 2;
    orgs.push({
      id: objectId(seed, STREAM.orgId, i),
      name,
      domain,
      websiteUrl: `https://www.${domain}`,
      linkedinUrl: `https://www.linkedin.com/company/${slug(name)}`,
      phone: phoneNumber(random, city.phonePrefix),
      industry: at(INDUSTRIES, industryIdx),
      employeeRange: range.range,
      employeeCount,
      annualRevenue: Math.round((employeeCount * revenuePerEmployee) / 100_000) * 100_000,
      foundedYear: now.getUTCFullYear() - age,
      headquarters: { city: city.city, state: city.state, country: city.country },
      technologies: [...technologies].sort(),
    });
    orgByDomain.set(domain, i);
    orgCity.push(cityIdx);
    orgIndustry.push(industryIdx);
    orgRange.push(rangeIdx);
  }
  return { orgs, orgByDomain, orgCity, orgIndustry, orgRange };
}

export function createApolloState(options: SandboxStateOptions): ApolloState {
  const seed = options.seed;
  const now = options.now.getTime();
  const peopleCount = Math.max(1, Math.floor(options.size ?? DEFAULT_PEOPLE));
  const orgCount = Math.max(MIN_ORGANIZATIONS, Math.ceil(peopleCount / PEOPLE_PER_ORGANIZATION));
  const orgData = buildOrganizations(seed, orgCount, options.now);

  const ids: string[] = new Array<string>(peopleCount);
  const idIndex = new Map<string, number>();
  const personOrg: number[] = new Array<number>(peopleCount);
  const personFirst: number[] = new Array<number>(peopleCount);
  const personLast: number[] = new Array<number>(peopleCount);
  const personTitle: number[] = new Array<number>(peopleCount);
  const personCity: number[] = new Array<number>(peopleCount);
  const updatedAt: number[] = new Array<number>(peopleCount);
  const orgPeople: number[][] = Array.from({ length: orgCount }, () => []);
  // (org, first, last) must be unique so first.last@domain is a unique email.
  const namesTaken = new Set<number>();
  // One stream for the population: person i's draws depend only on the seed and on the persons before it.
  const random = mulberry32(hashInts(seed, STREAM.person));
  const firstCount = FIRST_NAMES.length;
  const lastCount = LAST_NAMES.length;
  for (let i = 0; i < peopleCount; i++) {
    const org = Math.floor(random() * orgCount);
    const first = Math.floor(random() * firstCount);
    let last = Math.floor(random() * lastCount);
    const base = (org * firstCount + first) * lastCount;
    for (let attempt = 0; attempt < 50 && namesTaken.has(base + last); attempt++) {
      last = Math.floor(random() * lastCount);
    }
    namesTaken.add(base + last);
    personOrg[i] = org;
    personFirst[i] = first;
    personLast[i] = last;
    personTitle[i] = pickTitle(random);
    personCity[i] = random() < 0.75 ? at(orgData.orgCity, org) : Math.floor(random() * CITIES.length);
    // Skewed towards recent changes, the way a live CRM looks.
    updatedAt[i] = now - 60_000 - Math.floor(random() ** 1.6 * UPDATED_WINDOW_MS);
    const id = objectId(seed, STREAM.personId, i);
    ids[i] = id;
    idIndex.set(id, i);
    at(orgPeople, org).push(i);
  }

  const logIdx = Array.from({ length: peopleCount }, (_, i) => i);
  logIdx.sort((a, b) => at(updatedAt, a) - at(updatedAt, b) || (at(ids, a) < at(ids, b) ? -1 : 1));
  const logAt = logIdx.map((i) => at(updatedAt, i));

  return {
    seed,
    now,
    ...orgData,
    orgPeople,
    ids,
    idIndex,
    personOrg,
    personFirst,
    personLast,
    personTitle,
    personCity,
    updatedAt,
    patches: new Map(),
    created: new Map(),
    enriched: new Set(),
    deleted: new Set(),
    logIdx,
    logAt,
    lastChangeAt: Math.max(now, ...logAt.slice(-1)),
    emailIndex: null,
    linkedinIndex: null,
    sequences: new Map(),
    sequenceCounter: 0,
  };
}

// ---- reading people ----------------------------------------------------------------------------------------

/** What every rendering of a person starts from, edits applied. */
export interface PersonCore {
  index: number;
  id: string;
  firstName: string;
  lastName: string;
  title: string | null;
  seniority: string | null;
  departments: string[];
  location: ApolloLocation;
  orgIdx: number;
  email: string | null;
  emailStatus: EmailStatus;
  phone: string | null;
  linkedinUrl: string | null;
  updatedAt: number;
}

function emailStatusOf(state: ApolloState, i: number): EmailStatus {
  const r = hashInts(state.seed, STREAM.emailStatus, i) / 4294967296;
  return r < 0.08 ? 'unavailable' : r < 0.2 ? 'unverified' : 'verified';
}

function seededEmail(state: ApolloState, i: number): string {
  const first = slug(at(FIRST_NAMES, at(state.personFirst, i)));
  const last = slug(at(LAST_NAMES, at(state.personLast, i)));
  return `${first}.${last}@${at(state.orgs, at(state.personOrg, i)).domain}`;
}

function seededLinkedin(state: ApolloState, i: number): string {
  const first = slug(at(FIRST_NAMES, at(state.personFirst, i)));
  const last = slug(at(LAST_NAMES, at(state.personLast, i)));
  return `https://www.linkedin.com/in/${first}-${last}-${hex(hashInts(state.seed, STREAM.linkedin, i), 6)}`;
}

export function personCore(state: ApolloState, i: number): PersonCore {
  const created = state.created.get(i);
  const patch = state.patches.get(i) ?? {};
  let core: PersonCore;
  if (created) {
    const org = created.orgIdx >= 0 ? at(state.orgs, created.orgIdx) : undefined;
    core = {
      index: i,
      id: at(state.ids, i),
      firstName: created.firstName,
      lastName: created.lastName,
      title: null,
      seniority: null,
      departments: [],
      location: org ? { ...org.headquarters } : { city: '', state: '', country: '' },
      orgIdx: created.orgIdx,
      email: created.email,
      emailStatus: 'unverified',
      phone: null,
      linkedinUrl: null,
      updatedAt: at(state.updatedAt, i),
    };
  } else {
    const title: TitleSpec = at(TITLES, at(state.personTitle, i));
    const city = at(CITIES, at(state.personCity, i));
    const emailStatus = emailStatusOf(state, i);
    const details = mulberry32(hashInts(state.seed, STREAM.details, i));
    core = {
      index: i,
      id: at(state.ids, i),
      firstName: at(FIRST_NAMES, at(state.personFirst, i)),
      lastName: at(LAST_NAMES, at(state.personLast, i)),
      title: title.title,
      seniority: title.seniority,
      departments: [...title.departments],
      location: { city: city.city, state: city.state, country: city.country },
      orgIdx: at(state.personOrg, i),
      email: emailStatus === 'unavailable' ? null : seededEmail(state, i),
      emailStatus,
      phone: phoneNumber(details, city.phonePrefix),
      linkedinUrl: seededLinkedin(state, i),
      updatedAt: at(state.updatedAt, i),
    };
  }
  return {
    ...core,
    ...patch,
    departments: patch.departments ? [...patch.departments] : core.departments,
    location: {
      city: patch.city ?? core.location.city,
      state: patch.state ?? core.location.state,
      country: patch.country ?? core.location.country,
    },
  };
}

export interface EmploymentEntry {
  organizationName: string;
  title: string;
  startDate: string;
  endDate: string | null;
  current: boolean;
}

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const monthStart = (ms: number): number => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};

export function employmentHistory(state: ApolloState, core: PersonCore): EmploymentEntry[] {
  const random = mulberry32(hashInts(state.seed, STREAM.details, core.index, 2));
  const history: EmploymentEntry[] = [];
  let cursor = monthStart(state.now - intBetween(random, 6, 144) * 30 * DAY_MS);
  if (core.orgIdx >= 0) {
    history.push({
      organizationName: at(state.orgs, core.orgIdx).name,
      title: core.title ?? 'Employee',
      startDate: isoDay(cursor),
      endDate: null,
      current: true,
    });
  }
  const previous = created(state, core.index) ? 0 : intBetween(random, 0, 3);
  for (let k = 0; k < previous; k++) {
    const end = cursor;
    const start = monthStart(end - intBetween(random, 12, 84) * 30 * DAY_MS);
    history.push({
      organizationName: at(state.orgs, Math.floor(random() * state.orgs.length)).name,
      title: at(TITLES, pickTitle(random)).title,
      startDate: isoDay(start),
      endDate: isoDay(end),
      current: false,
    });
    cursor = start;
  }
  return history;
}

function created(state: ApolloState, i: number): boolean {
  return state.created.has(i);
}

export function isLive(state: ApolloState, i: number): boolean {
  return i >= 0 && i < state.ids.length && !state.deleted.has(i);
}

export function findById(state: ApolloState, id: string): number | undefined {
  const i = state.idIndex.get(id);
  return i !== undefined && isLive(state, i) ? i : undefined;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function normalizeLinkedin(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^(https?:\/\/)?(www\.)?/, 'https://www.')
    .replace(/\/+$/, '');
}

export function normalizeDomain(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '')
    .replace(/[/?#].*$/, '');
}

/** Email and LinkedIn lookups are built on first use; enrichment is rarer than search. */
export function findByEmail(state: ApolloState, email: string): number | undefined {
  if (!state.emailIndex) {
    state.emailIndex = new Map();
    for (let i = 0; i < state.ids.length; i++) {
      const e = created(state, i)
        ? state.created.get(i)?.email
        : emailStatusOf(state, i) === 'unavailable'
          ? undefined
          : seededEmail(state, i);
      if (e) state.emailIndex.set(e, i);
    }
  }
  const i = state.emailIndex.get(normalizeEmail(email));
  return i !== undefined && isLive(state, i) ? i : undefined;
}

export function findByLinkedin(state: ApolloState, url: string): number | undefined {
  if (!state.linkedinIndex) {
    state.linkedinIndex = new Map();
    for (let i = 0; i < state.ids.length; i++) {
      if (!created(state, i)) state.linkedinIndex.set(seededLinkedin(state, i), i);
    }
  }
  const i = state.linkedinIndex.get(normalizeLinkedin(url));
  return i !== undefined && isLive(state, i) ? i : undefined;
}

// ---- changing people -----------------------------------------------------------------------------------------

/** Moves a record's updatedAt to `nowMs`, strictly after every earlier change, and appends it to the change log. */
export function touch(state: ApolloState, i: number, nowMs: number): number {
  const changedAt = Math.max(nowMs, state.lastChangeAt + 1);
  state.lastChangeAt = changedAt;
  state.updatedAt[i] = changedAt;
  state.logIdx.push(i);
  state.logAt.push(changedAt);
  if (state.logIdx.length > state.ids.length * 2) compactLog(state);
  return changedAt;
}

function compactLog(state: ApolloState): void {
  const idx: number[] = [];
  const atList: number[] = [];
  for (let k = 0; k < state.logIdx.length; k++) {
    const i = at(state.logIdx, k);
    const changedAt = at(state.logAt, k);
    if (at(state.updatedAt, i) === changedAt) {
      idx.push(i);
      atList.push(changedAt);
    }
  }
  state.logIdx = idx;
  state.logAt = atList;
}

/** Adds a contact known only by email (as Apollo does when an unknown address is added to a sequence). */
export function createContact(state: ApolloState, email: string, nowMs: number): number {
  const normalized = normalizeEmail(email);
  const [local = '', domain = ''] = normalized.split('@');
  const words = local.split(/[._-]+/).filter(Boolean);
  const capital = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);
  const i = state.ids.length;
  const orgIdx = state.orgByDomain.get(domain) ?? -1;
  state.created.set(i, {
    firstName: capital(words[0] ?? local),
    lastName: words.slice(1).map(capital).join(' '),
    email: normalized,
    orgIdx,
  });
  const id = objectId(state.seed, STREAM.personId, i);
  state.ids.push(id);
  state.idIndex.set(id, i);
  state.personOrg.push(orgIdx);
  state.personFirst.push(-1);
  state.personLast.push(-1);
  state.personTitle.push(-1);
  state.personCity.push(-1);
  state.updatedAt.push(0);
  if (orgIdx >= 0) at(state.orgPeople, orgIdx).push(i);
  state.emailIndex?.set(normalized, i);
  touch(state, i, nowMs);
  return i;
}

export function nextSequenceId(state: ApolloState): string {
  state.sequenceCounter++;
  return objectId(state.seed, STREAM.sequenceId, state.sequenceCounter);
}
