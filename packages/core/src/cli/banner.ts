import { readFileSync } from 'node:fs';
import { arch, hostname, platform, release } from 'node:os';
import { maskUrl } from '../app/resolve-url.ts';

let cachedVersion: string | undefined;

/** The version of @celeriac/core this CLI belongs to. */
export function coreVersion(): string {
  if (cachedVersion === undefined) {
    try {
      // src/cli/ and dist/cli/ are both two levels below the package root.
      const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
      cachedVersion = String((JSON.parse(text) as { version?: unknown }).version ?? 'unknown');
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}

/** An adapter for people: its masked URL when known, and its class. */
export function describeAdapter(adapter: object | undefined, url?: string): string {
  if (adapter === undefined) return 'disabled';
  const name = adapter.constructor.name;
  const own = (adapter as { url?: unknown }).url;
  const known = url ?? (typeof own === 'string' ? own : undefined);
  return known === undefined ? name : `${maskUrl(known)} (${name})`;
}

/** Celery's `-n` expansions: %h full host name, %n its first label, %d the domain, %% a percent sign. */
export function expandHostname(template: string, host: string = hostname()): string {
  const dot = host.indexOf('.');
  const name = dot === -1 ? host : host.slice(0, dot);
  const domain = dot === -1 ? '' : host.slice(dot + 1);
  return template.replace(/%([hnd%])/g, (_, key: string) =>
    key === 'h' ? host : key === 'n' ? name : key === 'd' ? domain : '%',
  );
}

/** The start-up banner of `worker` and `beat`, as Celery prints it: config, then lists. */
export function banner(
  title: string,
  config: readonly (readonly [string, string])[],
  lists: readonly (readonly [string, readonly string[]])[],
): string[] {
  const width = Math.max(...config.map(([key]) => key.length)) + 1;
  const lines = [
    `celeriac ${title} — @celeriac/core ${coreVersion()}, node ${process.version}, ${platform()}-${release()} ${arch()}, pid ${process.pid}`,
    '',
    '[config]',
    ...config.map(([key, value]) => `  .> ${`${key}:`.padEnd(width + 1)} ${value}`),
  ];
  for (const [heading, items] of lists) {
    lines.push('', `[${heading}]`, ...(items.length === 0 ? ['  (none)'] : items.map((item) => `  . ${item}`)));
  }
  lines.push('');
  return lines;
}
