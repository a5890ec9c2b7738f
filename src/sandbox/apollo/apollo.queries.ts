import type { z } from 'zod';

import { hashInts, hashString, mulberry32 } from '../core/seeded-random.js';
import { CITIES, EMPLOYEE_RANGES, INDUSTRIES, TITLES } from './apollo-reference.data.js';
import type {
  contactSchema,
  enrichedPersonSchema,
  leadSchema,
  organizationSchema,
  organizationSummarySchema,
  sequenceSchema,
} from './apollo.schemas.js';
import {
  at,
  employmentHistory,
  personCore,
  type ApolloSequence,
  type ApolloState,
  type PersonCore,
} from './apollo.state.js';

export type Lead = z.infer<typeof leadSchema>;
export type Contact = z.infer<typeof contactSchema>;
export type EnrichedPerson = z.infer<typeof enrichedPersonSchema>;
export type Organization = z.infer<typeof organizationSchema>;
export type SequenceView = z.infer<typeof sequenceSchema>;

const DAY_MS = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString();

// ---- rendering ------------------------------------------------------------------------------------------------

function orgSummary(state: ApolloState, orgIdx: number): z.infer<typeof organizationSummarySchema> | null {
  if (orgIdx < 0) return null;
  const o = at(state.orgs, orgIdx);
  return {
    id: o.id,
    name: o.name,
    domain: o.domain,
    industry: o.industry,
    employeeCount: o.employeeCount,
    employeeRange: o.employeeRange,
  };
}

function leadOf(state: ApolloState, core: PersonCore): Lead {
  return {
    id: core.id,
    firstName: core.firstName,
    lastName: core.lastName,
    name: `${core.firstName} ${core.lastName}`.trim(),
    title: core.title,
    seniority: core.seniority,
    departments: core.departments,
    linkedinUrl: core.linkedinUrl,
    location: core.location,
    organization: orgSummary(state, core.orgIdx),
    hasEmail: core.email !== null && core.emailStatus !== 'unavailable',
    updatedAt: iso(core.updatedAt),
  };
}

export function renderLead(state: ApolloState, i: number): Lead {
  return leadOf(state, personCore(state, i));
}

/** Email and phone show once revealed: by enrichment, or because we added the contact by email ourselves. */
export function renderContact(state: ApolloState, i: number, reveal = false): Contact {
  const core = personCore(state, i);
  const revealed = reveal || state.enriched.has(i) || state.created.has(i);
  return {
    ...leadOf(state, core),
    email: revealed && core.emailStatus !== 'unavailable' ? core.email : null,
    emailStatus: core.emailStatus,
    phone: revealed ? core.phone : null,
    enriched: state.enriched.has(i),
    deleted: state.deleted.has(i),
  };
}

export function renderEnriched(state: ApolloState, i: number): EnrichedPerson {
  const core = personCore(state, i);
  return { ...renderContact(state, i, true), employmentHistory: employmentHistory(state, core) };
}

export function renderOrganization(state: ApolloState, orgIdx: number, includeContacts: boolean): Organization {
  const o = at(state.orgs, orgIdx);
  const organization: Organization = { ...o, technologies: [...o.technologies], headquarters: { ...o.headquarters } };
  if (includeContacts) {
    organization.contacts = at(state.orgPeople, orgIdx)
      .filter((i) => !state.deleted.has(i))
      .map((i) => renderContact(state, i));
  }
  return organization;
}

export function renderSequence(sequence: ApolloSequence): SequenceView {
  return {
    id: sequence.id,
    name: sequence.name,
    status: sequence.status,
    contactCount: sequence.contactIds.length,
    contactIds: [...sequence.contactIds],
    steps: sequence.steps.map((s) => ({ ...s })),
    createdAt: iso(sequence.createdAt),
    updatedAt: iso(sequence.updatedAt),
    completedAt: sequence.completedAt === null ? null : iso(sequence.completedAt),
  };
}

// ---- search -----------------------------------------------------------------------------------------------------

export interface LeadCriteria {
  jobTitle?: string;
  industry?: string;
  companySize?: string;
  location?: string;
}

const TITLE_ALIASES: Record<string, string> = {
  ceo: 'chief executive officer',
  cfo: 'chief financial officer',
  coo: 'chief operating officer',
  cto: 'chief technology officer',
  cmo: 'chief marketing officer',
  ea: 'executive assistant',
  'vice president': 'vp',
};

function titleMatcher(query: string): (title: string | null) => boolean {
  const q = query.toLowerCase();
  const expanded = TITLE_ALIASES[q];
  const word = new RegExp(`\\b${q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
  return (title) => {
    if (title === null) return false;
    const t = title.toLowerCase();
    return t.includes(q) || (expanded !== undefined && t.includes(expanded)) || word.test(t);
  };
}

const contains = (haystack: string, needle: string | undefined): boolean =>
  needle === undefined || haystack.toLowerCase().includes(needle.toLowerCase());

/**
 * Scans every person once. Seeded people are matched through per-list lookup tables (title, organization, city),
 * which keeps a search over 100,000 people in the low milliseconds; edited and added people are checked in full.
 */
export function searchLeads(
  state: ApolloState,
  criteria: LeadCriteria,
  page: number,
  perPage: number,
): { indexes: number[]; total: number } {
  const matchTitle = criteria.jobTitle ? titleMatcher(criteria.jobTitle) : undefined;
  const titleOk = TITLES.map((t) => matchTitle?.(t.title) ?? true);
  const orgOk = state.orgs.map(
    (o, k) =>
      contains(at(INDUSTRIES, at(state.orgIndustry, k)), criteria.industry) &&
      (criteria.companySize === undefined || at(EMPLOYEE_RANGES, at(state.orgRange, k)).range === criteria.companySize),
  );
  const cityOk = CITIES.map(
    (c) =>
      criteria.location === undefined ||
      contains(`${c.city}, ${c.state}, ${c.stateCode}, ${c.country}`, criteria.location),
  );
  const first = (page - 1) * perPage;
  const indexes: number[] = [];
  let total = 0;
  for (let i = 0; i < state.ids.length; i++) {
    if (state.deleted.has(i)) continue;
    let ok: boolean;
    if (state.patches.has(i) || state.created.has(i)) {
      const core = personCore(state, i);
      ok =
        (matchTitle?.(core.title) ?? true) &&
        (core.orgIdx >= 0 ? at(orgOk, core.orgIdx) : !criteria.industry && !criteria.companySize) &&
        contains(`${core.location.city}, ${core.location.state}, ${core.location.country}`, criteria.location);
    } else {
      ok =
        at(titleOk, at(state.personTitle, i)) &&
        at(orgOk, at(state.personOrg, i)) &&
        at(cityOk, at(state.personCity, i));
    }
    if (!ok) continue;
    if (total >= first && indexes.length < perPage) indexes.push(i);
    total++;
  }
  return { indexes, total };
}

// ---- list-contacts paging ------------------------------------------------------------------------------------

interface CursorPosition {
  at: number;
  id: string;
}

export class InvalidCursorError extends Error {}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError('cursor: not a cursor returned by list-contacts');
}

/**
 * Walks the change log in (updatedAt, id) order from just after the cursor (or from updatedSince).
 * A record changed during a walk moves to the end of the log, so it is seen again later and never skipped.
 */
export function listChanges(
  state: ApolloState,
  options: { updatedSince?: number; cursor?: CursorPosition; limit: number },
): { indexes: number[]; hasMore: boolean; last: CursorPosition | null } {
  const key = (k: number): CursorPosition => ({ at: at(state.logAt, k), id: at(state.ids, at(state.logIdx, k)) });
  const after = (a: CursorPosition, b: CursorPosition): boolean => a.at > b.at || (a.at === b.at && a.id > b.id);
  const lowerBound = (isPast: (k: number) => boolean): number => {
    let lo = 0;
    let hi = state.logIdx.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (isPast(mid)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let start = 0;
  if (options.updatedSince !== undefined) {
    const since = options.updatedSince;
    start = lowerBound((k) => at(state.logAt, k) < since);
  }
  if (options.cursor) {
    const cursor = options.cursor;
    start = Math.max(
      start,
      lowerBound((k) => !after(key(k), cursor)),
    );
  }
  const indexes: number[] = [];
  let last: CursorPosition | null = null;
  let hasMore = false;
  for (let k = start; k < state.logIdx.length; k++) {
    const i = at(state.logIdx, k);
    if (at(state.updatedAt, i) !== at(state.logAt, k)) continue;
    if (indexes.length === options.limit) {
      hasMore = true;
      break;
    }
    indexes.push(i);
    last = key(k);
  }
  return { indexes, hasMore, last };
}

// ---- sequences ---------------------------------------------------------------------------------------------------

/** When step `position` (1-based) goes out: creation time plus the delays of all steps up to it. */
export function stepSendTimes(sequence: ApolloSequence): number[] {
  let offset = 0;
  return sequence.steps.map((step) => (offset += step.delayDays) * DAY_MS + sequence.createdAt);
}

export interface Engagement {
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  replied: number;
  bounced: number;
  meetingsBooked: number;
}

/**
 * Every (contact, step) email sent in the window gets a fixed fate from the seed, so the same question always gets
 * the same answer and counts nest: clicked ≤ opened ≤ delivered ≤ sent, meetings ≤ replies ≤ delivered.
 */
export function engagement(
  state: ApolloState,
  sequence: ApolloSequence,
  fromMs: number,
  toMs: number,
  nowMs: number,
): Engagement {
  const totals: Engagement = {
    sent: 0,
    delivered: 0,
    opened: 0,
    clicked: 0,
    replied: 0,
    bounced: 0,
    meetingsBooked: 0,
  };
  const sendTimes = stepSendTimes(sequence);
  const sequenceHash = hashString(sequence.id);
  sequence.steps.forEach((step, k) => {
    const sendAt = at(sendTimes, k);
    if (sendAt < fromMs || sendAt > toMs || sendAt > nowMs) return;
    for (const contactId of sequence.contactIds) {
      const random = mulberry32(hashInts(state.seed, sequenceHash, hashString(contactId), step.position));
      totals.sent++;
      if (random() < 0.04) {
        totals.bounced++;
        continue;
      }
      totals.delivered++;
      const opened = random() < 0.48;
      const clicked = random() < 0.22;
      const replied = random() < 0.07;
      const meeting = random() < 0.35;
      if (opened) totals.opened++;
      if (opened && clicked) totals.clicked++;
      if (replied) totals.replied++;
      if (replied && meeting) totals.meetingsBooked++;
    }
  });
  return totals;
}

export function rates(
  e: Engagement,
): Record<'deliveryRate' | 'openRate' | 'clickRate' | 'replyRate' | 'bounceRate' | 'meetingRate', number> {
  const ratio = (n: number, d: number): number => (d === 0 ? 0 : Math.round((n / d) * 10_000) / 10_000);
  return {
    deliveryRate: ratio(e.delivered, e.sent),
    openRate: ratio(e.opened, e.delivered),
    clickRate: ratio(e.clicked, e.delivered),
    replyRate: ratio(e.replied, e.delivered),
    bounceRate: ratio(e.bounced, e.sent),
    meetingRate: ratio(e.meetingsBooked, e.delivered),
  };
}
