// A sender's life after create (contracts D.4): IN_PROGRESS, then the scripted outcome or ACTIVE
// after the activation delay; each change is announced to the project's provisioning webhooks.
// An outcome plays its whole sequence: PENDING_VERIFICATION then ACTIVE; REJECTED (the pending
// change's status, with the reason in changes.errorReason; `state` has no REJECTED); ACTIVE with the
// display name in review, APPROVED later.
import { z } from 'zod';
import type { SenderErrorCode, SenderState } from '../../src/upstreams/sinch/contract.ts';
import type { SenderRecord } from '../data/senders.ts';
import { notifyProvisioningWebhooks } from './provisioning-callbacks.ts';
import type { SandboxState } from './sandbox.ts';
import type { SenderOutcome } from './sender-outcomes.ts';

export const REJECTED_REASON =
  'Meta rejected the WhatsApp sender: the business could not be verified.';

export interface SenderChange {
  state: Exclude<SenderState, 'IN_PROGRESS'> | 'REJECTED';
  errorCode?: SenderErrorCode;
  errorReason?: string;
  /** ACTIVE only: where Meta's review of the display name stands. */
  displayName?: 'PENDING' | 'APPROVED';
}

/**
 * What can happen to a live sender besides its state (contracts D.5, D.7): Meta rates its quality,
 * reviews its display name again, or its token is replaced (which leaves every app holding the old
 * one FAILING; Sinch announces none of that, so neither does the fake).
 */
export const senderHealthChangeSchema = z
  .object({
    qualityRating: z.enum(['GREEN', 'YELLOW', 'RED', 'UNKNOWN']).optional(),
    displayName: z.enum(['PENDING', 'APPROVED', 'REJECTED']).optional(),
    rejectionReason: z.string().min(1).max(1000).optional(),
    revokeToken: z.literal(true).optional(),
  })
  .strict()
  .refine((c) => Object.keys(c).length > 0, { message: 'say what changes' })
  .refine((c) => c.rejectionReason === undefined || c.displayName === 'REJECTED', {
    message: 'rejectionReason applies only to displayName REJECTED',
    path: ['rejectionReason'],
  });
export type SenderHealthChange = z.infer<typeof senderHealthChangeSchema>;

/** SUSPENDED has no provisioning trigger of its own, so it is not announced. */
const TRIGGER_BY_STATE: Partial<Record<SenderChange['state'], string>> = {
  ACTIVE: 'WHATSAPP_SENDER_ACTIVE',
  ERROR: 'WHATSAPP_SENDER_ERROR',
  INACTIVE: 'WHATSAPP_SENDER_INACTIVE',
  PENDING_VERIFICATION: 'WHATSAPP_SENDER_PENDING_VERIFICATION',
  REJECTED: 'WHATSAPP_SENDER_REJECTED',
};

/**
 * A sender's outcome still to play, and when its next change falls due (epoch ms): what a restart
 * must re-arm. The changes after the first follow each other `delayMs` apart.
 */
export interface PendingOutcome {
  senderId: string;
  changes: SenderChange[];
  delayMs: number;
  dueAt: number;
}

/** The changes an outcome plays, each `afterMs` after the one before. */
function sequence(outcome: SenderOutcome): SenderChange[] {
  switch (outcome.state) {
    case 'PENDING_VERIFICATION':
      return [{ state: 'PENDING_VERIFICATION' }, { state: 'ACTIVE' }];
    case 'REJECTED':
      return [{ state: 'REJECTED', errorReason: outcome.errorReason ?? REJECTED_REASON }];
    case 'DISPLAY_NAME_REVIEW':
      return [
        { state: 'ACTIVE', displayName: 'PENDING' },
        { state: 'ACTIVE', displayName: 'APPROVED' },
      ];
    case 'ERROR':
      return [{ state: 'ERROR', errorCode: outcome.errorCode, errorReason: outcome.errorReason }];
    default:
      return [{ state: 'ACTIVE' }];
  }
}

export class SenderLifecycle {
  readonly #sandbox: SandboxState;
  readonly #pending = new Map<string, { cancel: () => void; outcome: PendingOutcome }>();

  constructor(sandbox: SandboxState) {
    this.#sandbox = sandbox;
  }

  /** The customer's scenario, if it has one; else the next scripted outcome, if any. */
  #outcomeFor(sender: SenderRecord | undefined): SenderOutcome | undefined {
    const { scenarios, db } = this.#sandbox;
    if (sender) {
      const bySubproject = scenarios.forSubproject(sender.projectId);
      if (bySubproject) return bySubproject.plan.sender;
      // The customer whose signup produced this WABA.
      const project = db.sendzenProjects.findFirst((q) =>
        q.where(
          (p) => p.lastSignup?.status === 'completed' && p.lastSignup.waba_id === sender.wabaId,
        ),
      );
      const byCustomer = project ? scenarios.forCustomer(project.clientIdentifier) : undefined;
      if (byCustomer) {
        scenarios.link(byCustomer, { subprojectId: sender.projectId });
        return byCustomer.plan.sender;
      }
    }
    return this.#sandbox.senderOutcomes.next();
  }

  /** Called once per created sender: plays its scenario or the next scripted outcome, if any. */
  scheduleOutcome(senderId: string): void {
    const sender = this.#sandbox.db.senders.findFirst((q) => q.where({ id: senderId }));
    const outcome = this.#outcomeFor(sender) ?? { state: 'ACTIVE' as const };
    const delayMs = outcome.afterMs ?? this.#sandbox.config.senderActivationMs;
    this.resume({ senderId, changes: sequence(outcome), delayMs, dueAt: Date.now() + delayMs });
  }

  /** Arms an outcome's next change for its due time (at once when that has passed: a restart). */
  resume(outcome: PendingOutcome): void {
    const { senderId, changes, delayMs, dueAt } = outcome;
    const [change, ...rest] = changes;
    if (!change) {
      if (this.#pending.delete(senderId)) this.#sandbox.changed();
      return;
    }
    const cancel = this.#sandbox.timers.after(Math.max(0, dueAt - Date.now()), () => {
      void this.#apply(senderId, change).then(() => {
        // Unless a forced change cancelled what was left of the outcome meanwhile.
        if (this.#pending.get(senderId)?.cancel !== cancel) return;
        this.resume({ senderId, changes: rest, delayMs, dueAt: Date.now() + delayMs });
      });
    });
    this.#pending.set(senderId, { cancel, outcome });
    this.#sandbox.changed();
  }

  pending(): PendingOutcome[] {
    return [...this.#pending.values()].map(({ outcome }) => outcome);
  }

  /** Moves the sender now; a forced change also cancels the outcome still waiting for it. */
  async transition(senderId: string, change: SenderChange): Promise<SenderRecord | undefined> {
    this.#pending.get(senderId)?.cancel();
    if (this.#pending.delete(senderId)) this.#sandbox.changed();
    return this.#apply(senderId, change);
  }

  async #apply(senderId: string, change: SenderChange): Promise<SenderRecord | undefined> {
    const { db, ids, secrets } = this.#sandbox;
    const current = db.senders.findFirst((q) => q.where({ id: senderId }));
    if (!current) return undefined;
    const bearerToken =
      change.state === 'ACTIVE' && !current.bearerToken ? ids.token(48) : current.bearerToken;
    secrets.remember(bearerToken);
    const displayName =
      change.displayName &&
      (db.subprojects.findFirst((q) => q.where({ subprojectId: current.projectId }))?.displayName ??
        'WhatsApp sender');

    const updated = await db.senders.update(current, {
      data(sender) {
        sender.modified = new Date().toISOString();
        if (change.state === 'REJECTED') {
          // `state` stays where it was: REJECTED is the pending change's status (contracts D.4).
          sender.changes = {
            status: 'REJECTED',
            details: {},
            errorReason: change.errorReason ?? REJECTED_REASON,
          };
          return;
        }
        sender.state = change.state;
        if (change.state === 'ACTIVE') {
          sender.changes = null;
          sender.bearerToken = bearerToken;
          if (change.displayName && displayName) {
            sender.metadata = {
              displayName: { value: displayName, status: change.displayName },
            };
          }
        }
        if (change.state === 'ERROR') {
          const errorCode = change.errorCode ?? 'UNKNOWN_ERROR';
          sender.changes = {
            status: 'ERROR',
            details: {},
            errorCode,
            errorReason: change.errorReason ?? `Sender provisioning failed: ${errorCode}.`,
          };
        }
        if (change.state === 'PENDING_VERIFICATION') {
          sender.changes = { status: 'IN_PROGRESS', details: {} };
        }
      },
    });
    if (!updated) return undefined;

    const trigger =
      change.state === 'ACTIVE' && current.state === 'ACTIVE' && change.displayName
        ? 'WHATSAPP_SENDER_DISPLAY_NAME_UPDATED'
        : TRIGGER_BY_STATE[change.state];
    if (trigger) notifyProvisioningWebhooks(this.#sandbox, trigger, updated);
    return updated;
  }

  /**
   * Plays a change to a live sender's health now: a quality rating (announced with
   * WHATSAPP_SENDER_QUALITY_RATING_CHANGED), a display name review (WHATSAPP_SENDER_DISPLAY_NAME_
   * UPDATED), or a replaced token (not announced: the apps holding the old one just stop working).
   */
  async changeHealth(
    senderId: string,
    change: SenderHealthChange,
  ): Promise<SenderRecord | undefined> {
    const { db, ids, secrets } = this.#sandbox;
    const current = db.senders.findFirst((q) => q.where({ id: senderId }));
    if (!current) return undefined;
    const token = change.revokeToken ? ids.token(48) : current.bearerToken;
    if (token) secrets.remember(token);
    const name =
      current.metadata?.displayName.value ??
      db.subprojects.findFirst((q) => q.where({ subprojectId: current.projectId }))?.displayName ??
      'WhatsApp sender';
    const updated = await db.senders.update(current, {
      data(sender) {
        sender.modified = new Date().toISOString();
        sender.bearerToken = token;
        if (change.qualityRating) sender.qualityRating = change.qualityRating;
        if (change.displayName) {
          sender.metadata = {
            displayName: {
              value: name,
              status: change.displayName,
              ...(change.rejectionReason ? { rejectionReason: change.rejectionReason } : {}),
            },
          };
        }
      },
    });
    if (!updated) return undefined;
    if (change.qualityRating) {
      notifyProvisioningWebhooks(this.#sandbox, 'WHATSAPP_SENDER_QUALITY_RATING_CHANGED', updated);
    }
    if (change.displayName) {
      notifyProvisioningWebhooks(this.#sandbox, 'WHATSAPP_SENDER_DISPLAY_NAME_UPDATED', updated);
    }
    return updated;
  }

  /** Pending timers themselves are cleared with the sandbox's timers. */
  forgetPending(): void {
    this.#pending.clear();
  }
}
