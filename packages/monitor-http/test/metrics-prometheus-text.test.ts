import { waitFor } from '@celeriac/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { call, type Fixture, startFixture } from './helpers.ts';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const VALUE = '(?:NaN|[+-]Inf|[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?)';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(${LABEL}(?:,${LABEL})*)?\\})? (${VALUE})(?: -?\\d+)?$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parse Prometheus text exposition strictly: every line must be a HELP, a TYPE or a sample of a declared family. */
function parsePrometheus(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const type = TYPE.exec(line);
    if (type) {
      expect(types.has(type[1]!), `duplicate TYPE for ${type[1]}`).toBe(false);
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (HELP.test(line)) continue;
    const sample = SAMPLE.exec(line);
    expect(sample, `not a Prometheus line: ${JSON.stringify(line)}`).not.toBeNull();
    const name = sample![1]!;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(name) || types.get(family) === 'histogram', `sample of undeclared family: ${name}`).toBe(true);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (sample![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = raw!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name, labels, value: Number(sample![3]) });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('GET /metrics', () => {
  let f: Fixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  const scrape = async () => {
    const res = await call(f!.url, 'metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheus(res.text);
  };

  it('parses as Prometheus text, and the task counters increase as tasks run', async () => {
    f = await startFixture({ monitor: { queues: ['idle'] } });
    await waitFor(async () => value(await scrape(), 'celeriac_workers_online') === 1);
    const before = await scrape();
    expect(value(before, 'celeriac_tasks_total', { name: 'demo.add', state: 'SUCCESS' })).toBeUndefined();

    for (let i = 0; i < 3; i++) await (await f.app.sendTask('demo.add', [i, 1])).get({ timeout: 5000 });
    await expect((await f.app.sendTask('demo.fail', ['x'])).get({ timeout: 5000 })).rejects.toThrow();
    await waitFor(
      async () => value(await scrape(), 'celeriac_tasks_total', { name: 'demo.fail', state: 'FAILURE' }) === 1,
    );
    const middle = await scrape();
    expect(value(middle, 'celeriac_tasks_total', { name: 'demo.add', state: 'SUCCESS' })).toBe(3);
    expect(value(middle, 'celeriac_tasks_total', { name: 'demo.add', state: 'PENDING' })).toBe(3);
    expect(value(middle, 'celeriac_tasks_total', { name: 'demo.add', state: 'STARTED' })).toBe(3);
    expect(value(middle, 'celeriac_task_runtime_seconds_count', { name: 'demo.add' })).toBe(3);
    expect(value(middle, 'celeriac_task_runtime_seconds_bucket', { name: 'demo.add', le: '+Inf' })).toBe(3);

    for (let i = 0; i < 2; i++) await (await f.app.sendTask('demo.add', [i, 2])).get({ timeout: 5000 });
    await waitFor(
      async () => value(await scrape(), 'celeriac_tasks_total', { name: 'demo.add', state: 'SUCCESS' }) === 5,
    );

    await f.app.sendTask('demo.add', [1, 1], { queue: 'idle' });
    await f.app.sendTask('demo.add', [1, 1], { queue: 'idle', countdown: 60 });
    const after = await scrape();
    expect(value(after, 'celeriac_queue_depth', { queue: 'idle', kind: 'ready' })).toBe(1);
    expect(value(after, 'celeriac_queue_depth', { queue: 'idle', kind: 'delayed' })).toBe(1);
    expect(value(after, 'celeriac_queue_depth', { queue: 'default', kind: 'dead' })).toBe(0);
    expect(value(after, 'celeriac_workers_online')).toBe(1);
  });

  it('escapes label values that users choose (task names)', async () => {
    f = await startFixture();
    const odd = 'odd"name\\with\nnewline';
    await f.app.sendTask(odd, []);
    await waitFor(async () => value(await scrape(), 'celeriac_tasks_total', { name: odd, state: 'REJECTED' }) === 1);
  });
});
