// The fake's answers must satisfy the same response schemas the clients parse with; a body that
// does not is a bug in the fake, and failing loudly here beats a confusing client error later.
import { prettifyError, type z } from 'zod';

export function conform<T>(schema: z.ZodType, body: T): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new Error(
      `the fake built a response its contract refuses:\n${prettifyError(result.error)}`,
    );
  }
  return body;
}
