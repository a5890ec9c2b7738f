/**
 * What the pipeline knows about a lead, and how enrichment is folded in. Enrichment only adds: a known value is never
 * replaced by an empty one, nor by a worse one (an email status only improves), and lists are united.
 */
export interface LeadLocation {
  city?: string | null;
  state?: string | null;
  country?: string | null;
}

export type EmailStatus = 'verified' | 'unverified' | 'unavailable';

export interface LeadProfile {
  apolloId?: string | null;
  email?: string | null;
  emailStatus?: EmailStatus | null;
  firstName?: string | null;
  lastName?: string | null;
  title?: string | null;
  seniority?: string | null;
  departments?: string[] | null;
  phone?: string | null;
  linkedinUrl?: string | null;
  company?: string | null;
  companyDomain?: string | null;
  location?: LeadLocation | null;
}

const EMAIL_STATUS_RANK: Readonly<Record<EmailStatus, number>> = { unavailable: 0, unverified: 1, verified: 2 };

const SCALAR_FIELDS = [
  'apolloId',
  'email',
  'firstName',
  'lastName',
  'title',
  'seniority',
  'phone',
  'linkedinUrl',
  'company',
  'companyDomain',
] as const;

function isBlank(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

export interface MergeResult {
  lead: LeadProfile;
  /** Fields that gained or improved a value (dotted for location). */
  added: string[];
}

/** Folds `incoming` (e.g. an enrichment result) into `known` without losing or degrading anything known. */
export function mergeLead(known: LeadProfile, incoming: LeadProfile): MergeResult {
  const lead: LeadProfile = { ...known };
  const added: string[] = [];
  for (const field of SCALAR_FIELDS) {
    const value = incoming[field];
    if (isBlank(lead[field]) && !isBlank(value)) {
      lead[field] = typeof value === 'string' ? value.trim() : value;
      added.push(field);
    }
  }
  const incomingStatus = incoming.emailStatus ?? null;
  const knownStatus = lead.emailStatus ?? null;
  // A status belongs to an email: only take one for the email we keep (same address, or one we just learned).
  const sameEmail =
    !isBlank(lead.email) &&
    (isBlank(incoming.email) ||
      (incoming.email ?? '').trim().toLowerCase() === (lead.email ?? '').trim().toLowerCase());
  if (
    incomingStatus !== null &&
    sameEmail &&
    (knownStatus === null || EMAIL_STATUS_RANK[incomingStatus] > EMAIL_STATUS_RANK[knownStatus])
  ) {
    lead.emailStatus = incomingStatus;
    added.push('emailStatus');
  }
  const departments = [...(lead.departments ?? [])];
  for (const department of incoming.departments ?? []) {
    if (!isBlank(department) && !departments.includes(department)) departments.push(department);
  }
  if (departments.length > (lead.departments?.length ?? 0)) {
    lead.departments = departments;
    added.push('departments');
  }
  if (incoming.location) {
    const location: LeadLocation = { ...(lead.location ?? {}) };
    for (const key of ['city', 'state', 'country'] as const) {
      const value = incoming.location[key];
      if (isBlank(location[key]) && !isBlank(value)) {
        location[key] = value;
        added.push(`location.${key}`);
      }
    }
    if (Object.keys(location).length > 0) lead.location = location;
  }
  return { lead, added };
}

/** A display name for the charter request's contact. */
export function leadName(lead: LeadProfile): string | null {
  const name = [lead.firstName, lead.lastName].filter((part) => !isBlank(part)).join(' ');
  return name === '' ? null : name;
}
