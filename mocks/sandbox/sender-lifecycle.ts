// A sender's life after create (contracts D.4): IN_PROGRESS, then the scripted outcome or ACTIVE
// after the activation delay; each change is announced to the project's provisioning webhooks.
import type { SenderErrorCode, SenderState } from '../../src/upstreams/sinch/contract.ts';
import type { SenderRecord } from '../data/senders.ts';
import { notifyProvisioningWebhooks } from './provisioning-callbacks.ts';
import type { SandboxState } from './sandbox.ts';

export interface SenderChange {
  state: Extract<SenderState, 'ACTIVE' | 'ERROR' | 'SUSPENDED' | 'INACTIVE'>;
  errorCode?: SenderErrorCode;
  errorReason?: string;
}

/** SUSPENDED has no provisioning trigger of its own, so it is not announced. */
const TRIGGER_BY_STATE: Partial<Record<SenderChange['state'], string>> = {
  ACTIVE: 'WHATSAPP_SENDER_ACTIVE',
  ERROR: 'WHATSAPP_SENDER_ERROR',
  INACTIVE: 'WHATSAPP_SENDER_INACTIVE',
};

/** A sender's outcome still to come, and when (epoch ms): what a restart must re-arm. */
export interface PendingOutcome {
  senderId: string;
  change: SenderChange;
  dueAt: number;
}

export class SenderLifecycle {
  readonly #sandbox: SandboxState;
  readonly #pending = new Map<string, { cancel: () => void; outcome: PendingOutcome }>();

  constructor(sandbox: SandboxState) {
    this.#sandbox = sandbox;
  }

  /** Called once per created sender: consumes the next scripted outcome, if any. */
  scheduleOutcome(senderId: string): void {
    const { afterMs, ...change } = this.#sandbox.senderOutcomes.next() ?? {
      state: 'ACTIVE' as const,
    };
    const delay = afterMs ?? this.#sandbox.config.senderActivationMs;
    this.resume({ senderId, change, dueAt: Date.now() + delay });
  }

  /** Arms an outcome for its due time (at once when that has passed: after a restart). */
  resume(outcome: PendingOutcome): void {
    const { senderId, change, dueAt } = outcome;
    const cancel = this.#sandbox.timers.after(Math.max(0, dueAt - Date.now()), () => {
      this.#pending.delete(senderId);
      void this.transition(senderId, change);
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

    const { db, ids, secrets } = this.#sandbox;
    const current = db.senders.findFirst((q) => q.where({ id: senderId }));
    if (!current) return undefined;
    const bearerToken =
      change.state === 'ACTIVE' && !current.bearerToken ? ids.token(48) : current.bearerToken;
    secrets.remember(bearerToken);

    const updated = await db.senders.update(current, {
      data(sender) {
        sender.state = change.state;
        sender.modified = new Date().toISOString();
        if (change.state === 'ACTIVE') {
          sender.changes = null;
          sender.bearerToken = bearerToken;
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
      },
    });
    if (!updated) return undefined;

    const trigger = TRIGGER_BY_STATE[change.state];
    if (trigger) notifyProvisioningWebhooks(this.#sandbox, trigger, updated);
    return updated;
  }

  /** Pending timers themselves are cleared with the sandbox's timers. */
  forgetPending(): void {
    this.#pending.clear();
  }
}
