// The PAPI errors every Provisioning endpoint shares (contracts D.1).
import { papiError, SINCH_CHALLENGE } from './error-bodies.ts';
import { type Problem, problemText } from './request-body.ts';

export const PROJECT_RESOLUTION = 'Verify that projectId is correct.';

export const unauthorized = () =>
  papiError(401, 'unauthorized_error', 'Unauthorized.', PROJECT_RESOLUTION, undefined, {
    'www-authenticate': SINCH_CHALLENGE,
  });

export const projectNotFound = (projectId: string) =>
  papiError(404, 'project_not_found', `Project ${projectId} was not found.`, PROJECT_RESOLUTION);

/** A body not declared as `application/json` is not read at all (contracts D.2). */
export const notJson = () =>
  papiError(
    400,
    'invalid_payload',
    'Invalid payload.',
    'Send the body as JSON with Content-Type: application/json.',
  );

export function invalidBody(problems: Problem[], malformed: boolean) {
  if (malformed) {
    return papiError(400, 'invalid_payload', 'Invalid payload.', 'Send a valid JSON body.');
  }
  return papiError(
    400,
    'invalid_input',
    'Invalid input.',
    'Correct the validation errors and submit again.',
    { validationErrors: problemText(problems).split('; ') },
  );
}

export const invalidPageSize = (max: number) =>
  papiError(
    400,
    'invalid_page_size',
    'Invalid page size.',
    `Use a page size between 1 and ${max}.`,
  );

export const invalidPageToken = () =>
  papiError(
    400,
    'invalid_page_token',
    'Invalid page token.',
    'Use a page token from a previous response to the same list request.',
  );
