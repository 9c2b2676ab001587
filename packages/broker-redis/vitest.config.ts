import { celeriacProject } from '../../vitest.shared.ts';

// Files share one Redis server; run them one at a time so timing-sensitive tests do not contend.
export default celeriacProject('broker-redis', { fileParallelism: false });
