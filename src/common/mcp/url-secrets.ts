/** Query parameters whose value is treated as a secret (`?apikey=…`, `?access_token=…`, `?sig=…`). */
const SECRET_PARAMETER = /(key|token|secret|pass(word)?|passwd|pwd|auth|credential|signature|^sig$|session|^code$)/i;
const REDACTED = 'REDACTED';

/** What of a URL is a credential: user-info and secret-looking query parameters (names only, for messages). */
export function credentialsInUrl(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const found: string[] = [];
  if (parsed.username || parsed.password) found.push('a user name or password before the host');
  for (const name of new Set(parsed.searchParams.keys())) {
    if (SECRET_PARAMETER.test(name)) found.push(`the query parameter "${name}"`);
  }
  return found;
}

/** The URL as it may be shown: user-info and secret-looking query parameter values replaced. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '[unparseable URL]';
  }
  if (parsed.username || parsed.password) {
    parsed.username = REDACTED;
    parsed.password = '';
  }
  for (const name of new Set(parsed.searchParams.keys())) {
    if (SECRET_PARAMETER.test(name)) parsed.searchParams.set(name, REDACTED);
  }
  return parsed.toString();
}

/**
 * Removes known secrets from free text (error messages, log lines, audit details): each endpoint URL is replaced by its
 * redacted form, then every credential it or its bearer token holds, in every spelling a message may carry it
 * (as is, percent-encoded, decoded).
 */
export class SecretScrubber {
  private readonly replacements: Array<[string, string]> = [];

  add(url: string, bearerToken?: string): void {
    const redacted = redactUrl(url);
    for (const spelling of new Set([url, normalised(url)])) {
      if (spelling !== redacted) this.replacements.push([spelling, redacted]);
    }
    const secrets = new Set<string>();
    if (bearerToken) secrets.add(bearerToken);
    try {
      const parsed = new URL(url);
      if (parsed.username || parsed.password) {
        secrets.add(`${parsed.username}:${parsed.password}`);
        for (const part of [parsed.username, parsed.password]) if (part) secrets.add(part);
      }
      for (const [name, value] of parsed.searchParams) if (SECRET_PARAMETER.test(name) && value) secrets.add(value);
      // The raw spelling too: searchParams turns "+" into a space, a message quoting the URL does not.
      for (const pair of parsed.search.slice(1).split('&')) {
        const [name = '', value = ''] = pair.split('=');
        if (SECRET_PARAMETER.test(safeDecode(name)) && value) secrets.add(value);
      }
    } catch {
      // Not a URL: nothing more to learn from it.
    }
    for (const secret of secrets) {
      // Very short values would redact ordinary words; such a "secret" protects nothing anyway.
      if (secret.length < 4) continue;
      const decoded = safeDecode(secret);
      for (const spelling of new Set([secret, encodeURIComponent(secret), decoded, encodeURIComponent(decoded)])) {
        this.replacements.push([spelling, '[redacted]']);
      }
    }
    // Longest first, so a URL is replaced before the secrets inside it.
    this.replacements.sort((a, b) => b[0].length - a[0].length);
  }

  scrub(text: string): string {
    let result = text;
    for (const [secret, replacement] of this.replacements) result = result.split(secret).join(replacement);
    return result;
  }
}

function normalised(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
