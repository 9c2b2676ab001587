import { celeriacProject } from '../../vitest.shared.ts';

const project = celeriacProject('pipeline-documents', { testTimeout: 30_000 });

// Vitest starts test workers with `--conditions <c>` for each of `ssr.resolve.conditions`. With
// `import` among them, Node's `require('pg-pool')` inside pg loads pg-pool's ESM build and gets a
// module namespace instead of the class. Node and Vite add `import`/`require` by themselves for
// each kind of load, so this project passes on only the others.
const resolve = project.ssr?.resolve;
if (resolve !== undefined) {
  resolve.conditions = ['@celeriac/source', 'node', 'default'];
  resolve.externalConditions = ['@celeriac/source', 'node', 'default'];
}

export default project;
