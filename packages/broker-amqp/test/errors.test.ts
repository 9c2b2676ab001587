import { describe, expect, it } from 'vitest';
import { consumerTimeoutMessage, isConsumerTimeout, toCeleriacError } from '../src/errors.ts';

/** An error shaped as amqplib reports a channel closed by the server. */
function serverClose(code: number, text: string): Error {
  return Object.assign(new Error(`Channel closed by server: ${code} (${text}`), { code });
}

describe('mapping RabbitMQ failures', () => {
  it('recognises a consumer_timeout close and says how to raise the limit', () => {
    const error = serverClose(
      406,
      'PRECONDITION-FAILED) with message "PRECONDITION_FAILED - delivery acknowledgement on channel 1 timed out. Timeout value used: 1800000 ms."',
    );
    expect(isConsumerTimeout(error)).toBe(true);
    expect(isConsumerTimeout(serverClose(406, 'PRECONDITION_FAILED - inequivalent arg'))).toBe(false);
    const message = consumerTimeoutMessage(['default'], error.message);
    expect(message).toContain('(1800000 ms)');
    expect(message).toContain('rabbitmq.conf');
  });

  it('turns a queue declared with other arguments into advice, and masks the password', () => {
    const error = serverClose(
      406,
      `PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'x-max-priority' for queue 'default' in vhost '/': received the value '10' of type 'signedint' but current is none"`,
    );
    const consume = toCeleriacError(error, 'consume', 'amqp://app:secret@rabbit:5672');
    expect(consume).toMatchObject({ name: 'ConfigError' });
    expect(consume.message).toContain('queue default exists with a different x-max-priority argument');
    expect(consume.message).toContain('use another queuePrefix');
    expect(consume.message).toContain('amqp://app:****@rabbit:5672');
    expect(consume.message).not.toContain('secret');
    expect(toCeleriacError(error, 'publish', 'amqp://x')).toMatchObject({ name: 'PublishError' });
  });

  it('maps lost connections to BrokerConnectionError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), { code: 'ECONNREFUSED' });
    expect(toCeleriacError(refused, 'publish', 'amqp://localhost')).toMatchObject({ code: 'BROKER_CONNECTION' });
    expect(toCeleriacError(serverClose(320, 'CONNECTION_FORCED'), 'consume', 'amqp://h')).toMatchObject({
      code: 'BROKER_CONNECTION',
    });
  });
});
