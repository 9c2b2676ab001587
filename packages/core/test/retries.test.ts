import { backoffDelay, TaskFailedError } from '@celeriac/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, makeApp, waitFor } from './helpers.ts';

class PaymentError extends Error {
  override name = 'PaymentError';
}
class ValidationError extends Error {
  override name = 'ValidationError';
}

afterEach(closeApps);

describe('automatic retries (autoretryFor)', () => {
  it('with retryBackoff the task reaches SUCCESS on the 3rd attempt', async () => {
    const app = makeApp();
    const attempts: number[] = [];
    const charge = app.task(
      'billing.charge',
      (ctx, amount: number) => {
        attempts.push(ctx.retries);
        if (attempts.length < 3) throw new PaymentError(`gateway busy (${attempts.length})`);
        return { charged: amount };
      },
      { bind: true, autoretryFor: [PaymentError], retryBackoff: 0.05, retryJitter: false },
    );
    await app.worker({ concurrency: 1 }).start();
    const started = Date.now();

    const result = await charge.delay(10);

    expect(await result.get({ timeout: 5_000 })).toEqual({ charged: 10 });
    expect(attempts).toEqual([0, 1, 2]);
    // Backoff without jitter: 0.05 s then 0.1 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect((await result.record())?.retries).toBe(2);
  });

  it('fails with the ORIGINAL error name and message once maxRetries are used up', async () => {
    const app = makeApp();
    let attempts = 0;
    const charge = app.task(
      'billing.always.fails',
      (): number => {
        attempts++;
        throw new PaymentError(`card declined on attempt ${attempts}`);
      },
      { autoretryFor: [PaymentError], maxRetries: 2, retryBackoff: 0.01, retryJitter: false },
    );
    await app.worker({ concurrency: 1 }).start();

    const result = await charge.delay();
    const error = await result.get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);

    expect(attempts).toBe(3);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).remote.name).toBe('PaymentError');
    expect((error as TaskFailedError).remote.message).toBe('card declined on attempt 3');
    expect(await result.state()).toBe('FAILURE');
  });

  it('an error not listed in autoretryFor fails at once', async () => {
    const app = makeApp();
    let attempts = 0;
    const validate = app.task(
      'validate',
      (): number => {
        attempts++;
        throw new ValidationError('bad input');
      },
      { autoretryFor: [PaymentError], retryBackoff: 0.01 },
    );
    await app.worker({ concurrency: 1 }).start();

    const result = await validate.delay();
    await expect(result.get({ timeout: 5_000 })).rejects.toThrow(/ValidationError: bad input/);
    expect(attempts).toBe(1);
  });

  it('autoretryFor accepts a predicate', async () => {
    const app = makeApp();
    let attempts = 0;
    const fetchPage = app.task(
      'fetch.page',
      () => {
        attempts++;
        if (attempts === 1) throw Object.assign(new Error('503'), { status: 503 });
        return 'page';
      },
      { autoretryFor: (error) => (error as { status?: number }).status === 503, retryBackoff: 0.01 },
    );
    await app.worker({ concurrency: 1 }).start();

    expect(await (await fetchPage.delay()).get({ timeout: 5_000 })).toBe('page');
    expect(attempts).toBe(2);
  });
});

describe('the RETRY state', () => {
  it('is observable between attempts, with the error that caused it, while the broker delays the retry', async () => {
    const app = makeApp();
    let attempts = 0;
    const flaky = app.task(
      'flaky.countdown',
      (ctx) => {
        attempts++;
        if (attempts === 1) ctx.retry({ countdown: 0.6, error: new PaymentError('try later') });
        return 'second time lucky';
      },
      { bind: true },
    );
    await app.worker({ concurrency: 1 }).start();
    const sentAt = Date.now();
    const result = await flaky.delay();

    await waitFor(async () => (await result.state()) === 'RETRY', { timeout: 2_000 });
    expect(await result.info()).toMatchObject({ name: 'PaymentError', message: 'try later' });
    // The retry waits in the broker, not in the worker's memory.
    expect(await (await app.broker()).stats('default')).toMatchObject({ delayed: 1, ready: 0, unacked: 0 });
    expect(attempts).toBe(1);

    expect(await result.get({ timeout: 5_000 })).toBe('second time lucky');
    expect(attempts).toBe(2);
    // The countdown was honoured.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(600);
  });
});

describe('ctx.retry()', () => {
  it('counts toward maxRetries, then fails with MaxRetriesExceededError', async () => {
    const app = makeApp();
    const seen: number[] = [];
    const poll = app.task(
      'poll.forever',
      (ctx) => {
        seen.push(ctx.retries);
        ctx.retry({ countdown: 0.01 });
      },
      { bind: true, maxRetries: 2 },
    );
    await app.worker({ concurrency: 1 }).start();

    const result = await poll.delay();
    const error = await result.get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);

    expect(seen).toEqual([0, 1, 2]);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).remote.name).toBe('MaxRetriesExceededError');
  });

  it('with an error, fails with that error once retries are used up', async () => {
    const app = makeApp();
    let attempts = 0;
    const charge = app.task(
      'charge.explicit',
      (ctx) => {
        attempts++;
        ctx.retry({ countdown: 0.01, error: new PaymentError(`declined ${attempts}`) });
      },
      { bind: true, maxRetries: 1 },
    );
    await app.worker({ concurrency: 1 }).start();

    const error = await (await charge.delay()).get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);

    expect(attempts).toBe(2);
    expect((error as TaskFailedError).remote).toMatchObject({ name: 'PaymentError', message: 'declined 2' });
  });

  it('explicit and automatic retries share one maxRetries budget', async () => {
    const app = makeApp();
    const seen: number[] = [];
    const mixed = app.task(
      'mixed.retries',
      (ctx) => {
        seen.push(ctx.retries);
        if (ctx.retries === 0) ctx.retry({ countdown: 0.01 });
        throw new PaymentError(`auto ${ctx.retries}`);
      },
      { bind: true, maxRetries: 2, autoretryFor: [PaymentError], retryBackoff: 0.01, retryJitter: false },
    );
    await app.worker({ concurrency: 1 }).start();

    const error = await (await mixed.delay()).get({ timeout: 5_000 }).catch((thrown: unknown) => thrown);

    expect(seen).toEqual([0, 1, 2]);
    expect((error as TaskFailedError).remote).toMatchObject({ name: 'PaymentError', message: 'auto 2' });
  });

  it('keeps the task id, arguments and queue across attempts', async () => {
    const app = makeApp();
    const seen: Array<{ id: string; args: unknown; queue: string }> = [];
    const again = app.task(
      'again',
      (ctx, label: string) => {
        seen.push({ id: ctx.id, args: ctx.args, queue: ctx.queue });
        if (ctx.retries === 0) ctx.retry({ countdown: 0.01 });
        return label;
      },
      { bind: true, queue: 'retry_q' },
    );
    await app.worker({ queues: ['retry_q'], concurrency: 1 }).start();

    const result = await again.delay('x');

    expect(await result.get({ timeout: 5_000 })).toBe('x');
    expect(seen).toEqual([
      { id: result.id, args: ['x'], queue: 'retry_q' },
      { id: result.id, args: ['x'], queue: 'retry_q' },
    ]);
  });
});

describe('backoffDelay()', () => {
  it('is base × 2^retries without jitter', () => {
    const options = { retryBackoff: 2, retryJitter: false } as const;
    expect([0, 1, 2, 3, 4].map((retries) => backoffDelay(options, retries))).toEqual([2, 4, 8, 16, 32]);
  });

  it('uses a 1 s base for retryBackoff: true', () => {
    expect([0, 1, 5].map((retries) => backoffDelay({ retryBackoff: true, retryJitter: false }, retries))).toEqual([
      1, 2, 32,
    ]);
  });

  it('is capped at retryBackoffMax, 600 s by default', () => {
    expect(backoffDelay({ retryBackoff: 1, retryBackoffMax: 10, retryJitter: false }, 10)).toBe(10);
    expect(backoffDelay({ retryBackoff: 1, retryJitter: false }, 20)).toBe(600);
    expect(backoffDelay({ retryBackoff: 100, retryJitter: false }, 3)).toBe(600);
  });

  it('with jitter (the default) draws within [0, delay]', () => {
    const options = { retryBackoff: 1 } as const;
    expect(backoffDelay(options, 3, () => 0)).toBe(0);
    expect(backoffDelay(options, 3, () => 0.5)).toBe(4);
    expect(backoffDelay(options, 3, () => 0.999_999)).toBeLessThanOrEqual(8);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay({ retryBackoff: 0.5, retryBackoffMax: 3 }, 4);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(3);
    }
  });
});
