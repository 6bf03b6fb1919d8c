// Scripted failures: the next N matching requests (or a random share of them) fail the way a real
// upstream or network does, so the gateway's retries, timeouts and error mapping can be exercised.
// By default a fault strikes before the handler, so nothing is created; with `after: 'commit'` the
// handler runs first and only its answer is lost, late or broken: the create the caller cannot see.
import { z } from 'zod';
import { UPSTREAM_NAMES, type UpstreamName } from './upstreams.ts';

export const FAULT_KINDS = ['status', 'delay', 'hang', 'reset', 'malformed'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The kinds that can strike after the handler committed; a status fault replaces the handler. */
export const AFTER_COMMIT_KINDS: readonly FaultKind[] = ['delay', 'hang', 'reset', 'malformed'];

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

export const faultInputSchema = z
  .object({
    upstream: z.enum([...UPSTREAM_NAMES, '*']),
    method: z.preprocess(
      (m) => (typeof m === 'string' ? m.toUpperCase() : m),
      z.enum(METHODS).optional(),
    ),
    path: z.string().startsWith('/', 'path must start with /').optional(),
    kind: z.enum(FAULT_KINDS),
    status: z.number().int().min(400).max(599).optional(),
    retryAfter: z.union([z.number().int().nonnegative(), z.string().min(1)]).optional(),
    delayMs: z.number().int().nonnegative().max(600_000).optional(),
    times: z.number().int().positive().optional(),
    probability: z.number().min(0).max(1).optional(),
    after: z.literal('commit', { error: 'after must be "commit" (or left out)' }).optional(),
  })
  .strict()
  .superRefine((fault, ctx) => {
    if (fault.kind === 'delay' && fault.delayMs === undefined) {
      ctx.addIssue({ code: 'custom', path: ['delayMs'], message: 'a delay fault needs delayMs' });
    }
    if (fault.kind !== 'status' && (fault.status !== undefined || fault.retryAfter !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['kind'],
        message: 'status and retryAfter apply only to kind "status"',
      });
    }
    if (fault.after !== undefined && !AFTER_COMMIT_KINDS.includes(fault.kind)) {
      ctx.addIssue({
        code: 'custom',
        path: ['after'],
        message: `after "commit" applies only to kinds ${AFTER_COMMIT_KINDS.join(', ')}: a ${fault.kind} fault answers instead of the handler`,
      });
    }
  });
export type FaultInput = z.infer<typeof faultInputSchema>;

export interface Fault {
  id: string;
  upstream: UpstreamName | '*';
  method?: string;
  path?: string;
  kind: FaultKind;
  /**
   * `commit`: the handler runs and its change stays, then the answer is dropped (reset), replaced
   * by a malformed 200 (malformed), never sent (hang) or sent `delayMs` late (delay).
   * Absent: the fault strikes before the handler (a delay then runs it, whoever is still waiting).
   */
  after?: 'commit';
  status?: number;
  retryAfter?: number | string;
  delayMs?: number;
  probability: number;
  /** null: fires until removed. */
  remaining: number | null;
  fired: number;
}

/** `*` matches within one path segment, `**` across any number of them (including none). */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      const wholeSegment = glob[i - 1] === '/' && (glob[i + 2] === '/' || i + 2 === glob.length);
      if (wholeSegment && glob[i + 2] === '/') {
        source += '(?:[^/]+/)*';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (char === '*') {
      source += '[^/]*';
    } else {
      source += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}/?$`);
}

export class FaultBook {
  #faults: { fault: Fault; pattern?: RegExp }[] = [];
  #next = 1;
  readonly #roll: () => number;

  /** `roll` draws in [0, 1) for probabilistic faults; seeded, so a seeded run fails the same way. */
  constructor(roll: () => number) {
    this.#roll = roll;
  }

  add(input: FaultInput): Fault {
    const fault: Fault = {
      id: `fault_${this.#next++}`,
      upstream: input.upstream,
      method: input.method,
      path: input.path,
      kind: input.kind,
      after: input.after,
      status: input.kind === 'status' ? (input.status ?? 503) : undefined,
      retryAfter: input.retryAfter,
      delayMs: input.delayMs,
      probability: input.probability ?? 1,
      remaining: input.times ?? (input.probability === undefined ? 1 : null),
      fired: 0,
    };
    this.#faults.push({ fault, pattern: input.path ? globToRegExp(input.path) : undefined });
    return { ...fault };
  }

  list(): Fault[] {
    return this.#faults.map(({ fault }) => ({ ...fault }));
  }

  remove(id: string): boolean {
    const before = this.#faults.length;
    this.#faults = this.#faults.filter(({ fault }) => fault.id !== id);
    return this.#faults.length !== before;
  }

  clear(): void {
    this.#faults = [];
    this.#next = 1;
  }

  /** The fault this request suffers, if any; counts it as fired. First added, first applied. */
  take(upstream: UpstreamName, method: string, path: string): Fault | undefined {
    for (const { fault, pattern } of this.#faults) {
      if (fault.remaining === 0) continue;
      if (fault.upstream !== '*' && fault.upstream !== upstream) continue;
      if (fault.method && fault.method !== method) continue;
      if (pattern && !pattern.test(path)) continue;
      if (fault.probability < 1 && this.#roll() >= fault.probability) continue;
      if (fault.remaining !== null) fault.remaining--;
      fault.fired++;
      return { ...fault };
    }
    return undefined;
  }
}
