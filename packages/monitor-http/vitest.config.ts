import { celeriacProject } from '../../vitest.shared.ts';

const project = celeriacProject('monitor-http');
// Vitest hands ssr.resolve.conditions to Node as --conditions. With "import" among them, Node 20's
// require(esm) gives Express's router the ES-module build of is-promise (a namespace, not the
// function), and every async middleware fails. Vite adds "import"/"require" per import by itself.
const conditions = ['@celeriac/source', 'node', 'default'];
if (project.ssr?.resolve) Object.assign(project.ssr.resolve, { conditions, externalConditions: conditions });

export default project;
