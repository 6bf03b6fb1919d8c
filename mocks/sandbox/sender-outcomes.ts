// What the next created senders turn into. Without a scripted outcome a sender becomes ACTIVE after
// the configured activation delay, which is what a real Embedded Signup sender usually does.
// Besides ACTIVE and ERROR an outcome may play a longer story (sender-lifecycle.ts):
// PENDING_VERIFICATION then ACTIVE, REJECTED (changes.status REJECTED), or DISPLAY_NAME_REVIEW
// (ACTIVE with its display name PENDING review, APPROVED later).
import { z } from 'zod';
import { senderErrorCodeSchema } from '../../src/upstreams/sinch/contract.ts';

export const senderOutcomeSchema = z
  .object({
    state: z.enum(['ACTIVE', 'ERROR', 'PENDING_VERIFICATION', 'REJECTED', 'DISPLAY_NAME_REVIEW']),
    afterMs: z.number().int().nonnegative().max(3_600_000).optional(),
    errorCode: senderErrorCodeSchema.optional(),
    errorReason: z.string().min(1).max(1000).optional(),
  })
  .strict()
  .refine(
    (o) =>
      o.state === 'ERROR' ||
      (o.errorCode === undefined && (o.state === 'REJECTED' || o.errorReason === undefined)),
    {
      message: 'errorCode applies only to state ERROR, errorReason to ERROR and REJECTED',
      path: ['state'],
    },
  );
export type SenderOutcome = z.infer<typeof senderOutcomeSchema>;

export class SenderOutcomeQueue {
  #queue: SenderOutcome[] = [];

  push(outcome: SenderOutcome): void {
    this.#queue.push(outcome);
  }

  /** FIFO: each created sender consumes one. */
  next(): SenderOutcome | undefined {
    return this.#queue.shift();
  }

  list(): SenderOutcome[] {
    return [...this.#queue];
  }

  clear(): void {
    this.#queue = [];
  }
}
