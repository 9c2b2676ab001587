import { RedisBackend, RedisBroker } from '@celeriac/broker-redis';
import { describeMonitorApi } from './api-scenarios.ts';
import { deleteKeys, describeRedis, redisUrl, uniquePrefix } from './redis.ts';

describeRedis('Redis', () => {
  let opened: { prefix: string; broker: RedisBroker; backend: RedisBackend } | undefined;

  describeMonitorApi('Redis', {
    app() {
      const prefix = uniquePrefix();
      opened = {
        prefix,
        broker: new RedisBroker({ url: redisUrl(), prefix }),
        backend: new RedisBackend({ url: redisUrl(), prefix }),
      };
      return { broker: opened.broker, backend: opened.backend };
    },
    async cleanup() {
      if (opened === undefined) return;
      const { prefix, broker, backend } = opened;
      opened = undefined;
      await Promise.all([broker.close(), backend.close()]);
      await deleteKeys(prefix);
    },
  });
});
