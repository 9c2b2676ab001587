import { describeMonitorApi } from './api-scenarios.ts';
import { uniqueMemoryUrl } from './helpers.ts';

describeMonitorApi('memory', { app: () => ({ broker: uniqueMemoryUrl() }) });
