import { createRequire } from 'node:module';
import { MemoryBackend, MemoryBroker } from '@celeriac/broker-memory';
import { AdapterNotInstalledError, Celeriac, ConfigError, maskUrl } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, makeApp, quietWindow, recordEvents, silentLogger, uniqueMemoryUrl, waitFor } from './helpers.ts';

afterEach(closeApps);

function isInstalled(packageName: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${packageName}/package.json`);
    return true;
  } catch {
    return false;
  }
}

describe('task registry', () => {
  it('registering a second task with the same name is a ConfigError', () => {
    const app = makeApp();
    app.task('dup.name', () => 1);

    expect(() => app.task('dup.name', () => 2)).toThrow(ConfigError);
    expect(() => app.task('dup.name', () => 2)).toThrow(/dup\.name/);
    expect(app.taskNames).toEqual(['dup.name']);
  });

  it('an empty task name is a ConfigError', () => {
    const app = makeApp();
    expect(() => app.task('', () => 1)).toThrow(ConfigError);
  });

  it('two apps may each register a task of the same name', () => {
    const a = makeApp();
    const b = makeApp();
    a.task('same', () => 1);
    expect(() => b.task('same', () => 2)).not.toThrow();
  });
});

describe('adapters chosen by URL', () => {
  // Runs for each adapter package not installed in this checkout; skipped (and reported so) once it is.
  it.for([
    ['redis://:secret@127.0.0.1:6390', '@celeriac/broker-redis', 'redis://:****@127.0.0.1:6390'],
    ['amqp://guest:secret@127.0.0.1:5673', '@celeriac/broker-amqp', 'amqp://guest:****@127.0.0.1:5673'],
  ] as const)(
    '%s without its adapter package installed rejects with AdapterNotInstalledError naming it, password masked',
    async ([url, packageName, masked], { skip }) => {
      if (isInstalled(packageName)) skip(`${packageName} is installed here`);
      const app = new Celeriac({ broker: url, logger: silentLogger });
      try {
        const task = app.task('needs.adapter', () => null);
        const viaBroker = await app.broker().catch((thrown: unknown) => thrown);
        const viaDelay = await task.delay().catch((thrown: unknown) => thrown);

        for (const error of [viaBroker, viaDelay]) {
          expect(error).toBeInstanceOf(AdapterNotInstalledError);
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as AdapterNotInstalledError).packageName).toBe(packageName);
          const message = (error as Error).message;
          expect(message).toContain(packageName);
          expect(message).toContain(masked);
          expect(message).not.toContain('secret');
          expect(String((error as Error).stack)).not.toContain('secret');
        }
      } finally {
        await app.close();
      }
    },
  );

  it('maskUrl() hides the password of any URL shown in a message', () => {
    expect(maskUrl('redis://:secret@127.0.0.1:6390')).toBe('redis://:****@127.0.0.1:6390');
    expect(maskUrl('amqps://user:secret@mq.example.com:5671/vhost')).toBe(
      'amqps://user:****@mq.example.com:5671/vhost',
    );
    expect(maskUrl('redis://127.0.0.1:6379/0')).toBe('redis://127.0.0.1:6379/0');
  });

  it('an unsupported URL scheme is a ConfigError at construction, password masked, no unhandled rejection', async () => {
    // Under Node's default --unhandled-rejections=throw, a stray rejection left behind by the
    // constructor would crash the process of a caller that caught the ConfigError.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    let error: unknown;
    try {
      try {
        new Celeriac({ broker: 'kafka://user:secret@host:9092', logger: silentLogger });
      } catch (thrown) {
        error = thrown;
      }
      // Negative check: give Node a few turns to report an unhandled rejection.
      await quietWindow(50);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('kafka://user:****@host:9092');
    expect((error as Error).message).not.toContain('secret');
    expect(unhandled.map((reason) => String(reason))).toEqual([]);
  });

  it('apps naming the same memory:// URL share a broker; another name is separate', async () => {
    const url = uniqueMemoryUrl('shared');
    const a = makeApp({ broker: url });
    const b = makeApp({ broker: url });
    const c = makeApp({ broker: uniqueMemoryUrl('separate') });

    expect(await a.broker()).toBe(await b.broker());
    expect(await a.broker()).not.toBe(await c.broker());
    expect(await a.backend()).toBe(await b.backend());
  });
});

describe('results disabled', () => {
  it('backend: null disables results: get() and state() reject with a ConfigError about the backend', async () => {
    const app = makeApp({ backend: null });
    const job = app.task('no.results', () => 1);
    expect(app.resultsEnabled).toBe(false);

    const result = await job.delay();
    const error = await result.get({ timeout: 1_000 }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/backend/);
    await expect(result.state()).rejects.toThrow(ConfigError);
    // Publishing still works without results.
    expect((await (await app.broker()).stats('default')).ready).toBe(1);
  });

  it('amqp:// without a backend: get() rejects with ConfigError saying results are disabled', async () => {
    // Results are disabled by configuration alone; saying so must not depend on the broker's
    // package being installed or its server answering.
    const app = new Celeriac({ broker: 'amqp://guest:secret@127.0.0.1:5672', logger: silentLogger });
    try {
      expect(app.resultsEnabled).toBe(false);
      const error = await app
        .result('some-id')
        .get({ timeout: 1_000 })
        .catch((thrown: unknown) => thrown);

      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/results are disabled/i);
      expect((error as Error).message).toMatch(/backend/);
      expect((error as Error).message).not.toContain('secret');
    } finally {
      await app.close();
    }
  });
});

describe('app.close()', () => {
  it('closes the workers of the app', async () => {
    const url = uniqueMemoryUrl('close-workers');
    const app = new Celeriac({ broker: url, logger: silentLogger });
    const observer = makeApp({ broker: url });
    const events = await recordEvents(observer);
    const worker = app.worker({ concurrency: 1 });
    await worker.start();

    await app.close();

    await waitFor(() => events.some((event) => event.type === 'worker-offline' && event.hostname === worker.hostname));
    await expect(worker.start()).rejects.toThrow(ConfigError);
    expect(() => app.worker()).toThrow(ConfigError);
    // The closed app's worker no longer consumes: a task sent now stays queued.
    await observer.sendTask('after.close', []);
    expect((await (await observer.broker()).stats('default')).ready).toBe(1);
  });

  it('does not close a Broker or ResultBackend instance passed in: the caller owns them', async () => {
    const broker = new MemoryBroker();
    const backend = new MemoryBackend();
    const app = new Celeriac({ broker, backend, logger: silentLogger });
    try {
      const job = app.task('owned', () => 'ok');
      await app.worker({ concurrency: 1 }).start();
      expect(await (await job.delay()).get({ timeout: 5_000 })).toBe('ok');
    } finally {
      await app.close();
    }

    await expect(
      broker.publish([{ id: 'after-close', queue: 'default', body: '{}', priority: 0 }]),
    ).resolves.toBeUndefined();
    expect((await broker.stats('default')).ready).toBe(1);
    await backend.setResult({ taskId: 't', name: null, state: 'SUCCESS', retries: 0, dateDone: null, result: 1 }, 60);
    expect((await backend.getResult('t'))?.result).toBe(1);
    await broker.close();
    await backend.close();
  });

  it('a Broker instance without a backend keeps no results (there is no URL to default to)', async () => {
    const broker = new MemoryBroker();
    const app = new Celeriac({ broker, logger: silentLogger });
    try {
      expect(app.resultsEnabled).toBe(false);
      await expect(app.result('x').state()).rejects.toThrow(ConfigError);
    } finally {
      await app.close();
      await broker.close();
    }
  });

  it('closes the memory broker it opened from a URL once the last app using it closes', async () => {
    const url = uniqueMemoryUrl('refcount');
    const first = new Celeriac({ broker: url, logger: silentLogger });
    const second = new Celeriac({ broker: url, logger: silentLogger });
    const broker = await first.broker();

    await first.close();
    await expect(
      broker.publish([{ id: 'still-open', queue: 'default', body: '{}', priority: 0 }]),
    ).resolves.toBeUndefined();

    await second.close();
    await expect(broker.publish([{ id: 'closed', queue: 'default', body: '{}', priority: 0 }])).rejects.toThrow();
  });

  it('is idempotent', async () => {
    const app = new Celeriac({ broker: uniqueMemoryUrl('idempotent'), logger: silentLogger });
    await app.worker({ concurrency: 1 }).start();
    await Promise.all([app.close(), app.close()]);
    await expect(app.close()).resolves.toBeUndefined();
  });
});
