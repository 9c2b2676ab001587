// Requests to the monitor: relative URLs (any mount prefix) and the CSRF header actions need.

export const CSRF = { 'X-Celeriac-CSRF': '1' };

export async function api(path, options = {}) {
  const headers = { ...CSRF };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { credentials: 'same-origin', ...options, headers });
  if (res.status === 401) {
    location.assign('login');
    throw new Error('Signed out');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}
