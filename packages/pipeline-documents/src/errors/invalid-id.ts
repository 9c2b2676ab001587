import { CeleriacError } from '@celeriac/core';

/** An upload or session id that could escape its directory or is not an id at all. */
export class InvalidIdError extends CeleriacError {
  constructor(kind: string, id: unknown) {
    super(
      'INVALID_ID',
      `Invalid ${kind} id ${JSON.stringify(id)}: use 1–128 characters of letters, digits, "-" and "_" (a UUID works).`,
    );
  }
}
