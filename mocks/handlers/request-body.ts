// Request bodies are parsed with the contract's zod schemas: the fake refuses exactly what the
// contract says the real API refuses, and says which field is wrong.
import type { z } from 'zod';

export interface Problem {
  field: string;
  description: string;
}

export type ParsedBody<T> =
  | { ok: true; data: T }
  | { ok: false; malformed: boolean; problems: Problem[] };

export function describeProblems(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({
    field: issue.path.join('.'),
    description: issue.message,
  }));
}

export function problemText(problems: Problem[]): string {
  return problems.map((p) => (p.field ? `${p.field}: ${p.description}` : p.description)).join('; ');
}

/**
 * Whether the request says its body is JSON: `application/json`, parameters such as a charset
 * allowed. SendZen's onboard and Provisioning's sender create read nothing else (contracts A.1,
 * D.2); the other Sinch APIs are not known to check, so their handlers do not ask.
 */
export function declaresJson(request: Request): boolean {
  const mediaType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

/** `emptyAs` stands in for a missing body (controls whose body is optional). */
export async function parseJsonBody<S extends z.ZodType>(
  request: Request,
  schema: S,
  emptyAs?: unknown,
): Promise<ParsedBody<z.output<S>>> {
  const text = await request.text();
  let value: unknown = emptyAs;
  if (text.trim() !== '' || emptyAs === undefined) {
    try {
      value = JSON.parse(text);
    } catch {
      return {
        ok: false,
        malformed: true,
        problems: [{ field: '', description: 'the request body is not valid JSON' }],
      };
    }
  }
  const result = schema.safeParse(value);
  return result.success
    ? { ok: true, data: result.data }
    : { ok: false, malformed: false, problems: describeProblems(result.error) };
}
