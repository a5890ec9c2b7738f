/** What a key may do, each scope including the ones before it. */
export const API_KEY_SCOPES = ['read', 'operate', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** One configured key: the name is what logs and the audit show; the key itself is never shown. */
export interface ConfiguredApiKey {
  name: string;
  scope: ApiKeyScope;
  key: string;
}

export function scopeAllows(held: ApiKeyScope, needed: ApiKeyScope): boolean {
  return API_KEY_SCOPES.indexOf(held) >= API_KEY_SCOPES.indexOf(needed);
}

/** Keys are URL-safe; `:` is not part of a key, so it can separate name, scope and key. */
const KEY = /^[A-Za-z0-9._~+\-/=]{16,}$/;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function isWellFormedApiKey(key: string): boolean {
  return KEY.test(key);
}

/**
 * Parses `API_KEYS`: comma-separated entries, each `<name>:<scope>:<key>` or a bare `<key>`. A bare key is an `admin`
 * key (what every key could do before scopes existed) named after a non-secret fingerprint of it.
 */
export function parseApiKeys(
  raw: string,
  fingerprint: (key: string) => string,
): {
  keys: ConfiguredApiKey[];
  problems: string[];
} {
  const keys: ConfiguredApiKey[] = [];
  const problems: string[] = [];
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  for (const [index, entry] of entries.entries()) {
    const where = `API_KEYS entry ${index + 1}`;
    const parts = entry.split(':');
    const [name, scope, key] = parts.length === 1 ? [`key-${fingerprint(entry)}`, 'admin', entry] : parts;
    if (parts.length !== 1 && parts.length !== 3) {
      problems.push(`${where} must be <key> or <name>:<scope>:<key>`);
      continue;
    }
    if (!name || !NAME.test(name)) problems.push(`${where}: the name must be 1–64 letters, digits, ".", "_" or "-"`);
    else if (keys.some((known) => known.name === name)) problems.push(`${where}: the name "${name}" is used twice`);
    if (!API_KEY_SCOPES.includes(scope as ApiKeyScope))
      problems.push(`${where}: the scope must be one of ${API_KEY_SCOPES.join(', ')}`);
    if (!key || !KEY.test(key)) problems.push(`${where}: the key must be at least 16 URL-safe characters`);
    else if (keys.some((known) => known.key === key)) problems.push(`${where}: the same key is listed twice`);
    if (name && scope && key) keys.push({ name, scope: scope as ApiKeyScope, key });
  }
  return { keys, problems };
}
