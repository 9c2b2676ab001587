import type { Celeriac } from '@celeriac/core';
import { type CompanyOn, createCompanyOn } from './company-on.ts';

/**
 * The module every Company-on process loads: the web service (`main.ts`), and the Celeriac CLI when
 * the worker and beat run as processes of their own:
 *
 *   celeriac worker -A ./dist/app.js -Q document_processing,chat_processing,default -c 2
 *   celeriac beat -A ./dist/app.js
 *
 * (`npm run worker` and `npm run beat`). The app is configured from the environment:
 * `CELERIAC_BROKER_URL`, `CELERIAC_RESULT_BACKEND`, `CELERIAC_REDIS_PREFIX`,
 * `CELERIAC_AMQP_QUEUE_PREFIX`, `DATA_DIR`, … (see `createCompanyOn`), so all processes of a
 * deployment meet with the same variables.
 */
export const service: CompanyOn = createCompanyOn();

/** The Celeriac app with the document pipeline's tasks (what `celeriac … -A` looks for). */
export const app: Celeriac = service.app;

export { beatSchedule } from './worker-and-beat.ts';
