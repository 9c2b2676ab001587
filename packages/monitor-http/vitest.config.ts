import { celeriacProject } from '../../vitest.shared.ts';

export default celeriacProject('monitor-http');
