import { Celeriac } from '@celeriac/core';
import { describeWorkerConformance, uniqueQueue } from '@celeriac/core/testing';
import { beforeEach } from 'vitest';

// A fresh memory:// URL per test, shared by the apps of one test: they meet on it, as processes do.
let url = '';
beforeEach(() => {
  url = `memory://${uniqueQueue('worker-conformance')}`;
});

describeWorkerConformance({
  name: 'memory',
  createApp: () => {
    const app = new Celeriac({ broker: url });
    app.logger.level = 'silent';
    return app;
  },
});
