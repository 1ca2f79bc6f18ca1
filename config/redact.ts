// What of a configuration value may reach a terminal, a log or an error message: never a
// password, a key or the credentials inside a URL.

/** Query parameters that carry a secret in connection URLs (SQL Server and JDBC-style URLs). */
const secretParameters = /^(password|pwd|passwd|secret|token|key|apikey|api_key|access_token)$/i;

/** A URL with its password (and secret query parameters) replaced by `***`; the user is kept. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const name of [...u.searchParams.keys()]) if (secretParameters.test(name)) u.searchParams.set(name, '***');
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** The form of a value fit to show: secrets as `***`, URLs without their credentials. */
export function shownValue(value: string, secret: boolean): string {
  if (secret) return '***';
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? redactUrl(value) : value;
}
