import { celeriacProject } from '../../vitest.shared.ts';

export default celeriacProject('pipeline-documents', { testTimeout: 30_000 });
