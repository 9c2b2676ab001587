import { BrokerConnectionError, CeleriacError, ConfigError, coerceError, maskUrl, PublishError } from '@celeriac/core';

/** What was being done when RabbitMQ failed, for the error message ("could not publish …"). */
export type AmqpOperation =
  | 'connect'
  | 'publish'
  | 'consume'
  | 'settle'
  | 'purge'
  | 'read stats'
  | 'manage dead letters'
  | 'broadcast'
  | 'subscribe';

/** Raised by our own deadlines (publishTimeout, connect budget); mapped like a lost connection. */
export class AmqpDeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmqpDeadlineError';
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** AMQP reply codes that close a connection rather than refuse one request. */
const CONNECTION_REPLY_CODES = new Set([320, 501, 502, 503, 504, 505, 506, 530, 540, 541]);

function replyCode(error: Error): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** True for failures of the connection rather than of the request. */
export function isConnectionFailure(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (error instanceof AmqpDeadlineError || error instanceof BrokerConnectionError) return true;
  if (typeof code === 'string') return CONNECTION_CODES.has(code);
  // A reply code from the server says which: a channel error (404, 406, …) is about the request.
  if (typeof code === 'number') return CONNECTION_REPLY_CODES.has(code);
  return /Connection closed|Channel closed|channel closed|Socket closed|Heartbeat timeout/i.test(error.message);
}

/**
 * True when RabbitMQ closed a channel because one of its deliveries stayed unacknowledged longer
 * than `consumer_timeout` (406 PRECONDITION_FAILED "delivery acknowledgement … timed out").
 */
export function isConsumerTimeout(error: Error): boolean {
  return replyCode(error) === 406 && /delivery acknowledge?ment .*timed out/i.test(error.message);
}

/** The explanation logged when `consumer_timeout` closed a consumer channel. */
export function consumerTimeoutMessage(queues: readonly string[], serverText: string): string {
  const limit = /Timeout value used: (\d+) ms/.exec(serverText)?.[1];
  return (
    `RabbitMQ closed the consumer channel of queue(s) ${queues.join(', ')}: a delivery stayed unacknowledged longer than ` +
    `its consumer_timeout${limit === undefined ? '' : ` (${limit} ms)`}. RabbitMQ has put the task(s) held on that ` +
    'channel back in the queue, so a long late-acked task will run again. The worker has reopened the channel and goes on ' +
    'consuming. To allow longer tasks, raise consumer_timeout: in rabbitmq.conf (consumer_timeout = 7200000, in ms), ' +
    "or at run time with rabbitmqctl eval 'application:set_env(rabbit, consumer_timeout, 7200000).'; on RabbitMQ 3.12+ " +
    'also per queue with a policy (consumer-timeout) or the x-consumer-timeout queue argument. ' +
    `(RabbitMQ said: ${serverText})`
  );
}

/** Advice for a 406 refusal to redeclare a queue or exchange with other arguments. */
function inequivalentAdvice(serverText: string): string | undefined {
  const match = /inequivalent arg '([^']+)' for (queue|exchange) '([^']+)'/.exec(serverText);
  if (match === null) return undefined;
  const [, argument, kind, name] = match;
  const remedy =
    kind === 'queue'
      ? `delete it (rabbitmqctl delete_queue ${name}, after draining it) or use another queuePrefix`
      : `delete it (rabbitmqctl eval or the management UI) or use another queuePrefix`;
  return `${kind} ${name} exists with a different ${argument} argument than this broker declares (${serverText}): ${remedy}.`;
}

/**
 * The one place where RabbitMQ and amqplib failures become Celeriac errors. Connection failures
 * become `BrokerConnectionError`; a queue declared elsewhere with other arguments a `ConfigError`
 * (or a `PublishError` when publishing) that says what to do; a refused publish `PublishError`;
 * anything else a `CeleriacError` with code `AMQP`. Messages name the URL with its password
 * masked. Celeriac errors pass through unchanged.
 */
export function toCeleriacError(thrown: unknown, operation: AmqpOperation, url: string): CeleriacError {
  if (thrown instanceof CeleriacError) return thrown;
  const error = coerceError(thrown);
  const where = maskUrl(url);
  if (isConnectionFailure(error)) {
    return new BrokerConnectionError(`Could not ${operation}: RabbitMQ at ${where} is unreachable (${error.message})`, {
      cause: error,
    });
  }
  const advice = replyCode(error) === 406 ? inequivalentAdvice(error.message) : undefined;
  const publishing = operation === 'publish' || operation === 'broadcast';
  if (advice !== undefined) {
    const message = `Could not ${operation} on RabbitMQ at ${where}: ${advice}`;
    return publishing ? new PublishError(message, { cause: error }) : new ConfigError(message, { cause: error });
  }
  if (replyCode(error) === 403) {
    return new ConfigError(
      `Could not ${operation}: RabbitMQ at ${where} refused access (${error.message}); check the user's permissions on the vhost.`,
      { cause: error },
    );
  }
  const message = `Could not ${operation}: RabbitMQ at ${where} replied ${error.message}`;
  if (publishing) return new PublishError(message, { cause: error });
  return new CeleriacError('AMQP', message, { cause: error });
}
