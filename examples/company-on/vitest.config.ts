import { celeriacProject } from '../../vitest.shared.ts';

export default celeriacProject('company-on', { testTimeout: 60_000 });
