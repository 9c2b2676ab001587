import { describeBackendConformance, describeBrokerConformance } from '@celeriac/core/testing';
import { MemoryBackend, MemoryBroker } from '../src/index.ts';

describeBrokerConformance({ name: 'memory', create: () => new MemoryBroker() });
describeBackendConformance({ name: 'memory', create: () => new MemoryBackend() });
