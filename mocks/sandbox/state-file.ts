// The fake's state on disk, for the gateway's sandbox (`npm start`): the gateway keeps its database
// across a restart, so the fake must keep the projects, subprojects, senders and links that
// database refers to, or every onboarding in flight is stranded. Every collection, the sender
// outcomes still to come and the callbacks still to deliver are saved (debounced, and at close) to
// one JSON file, written whole and renamed into place, readable by its owner only; a start reloads
// it and re-arms those timers. The journal, faults and scripted outcomes are a test's scaffolding
// and are not kept. Tests that start the fake without a file keep it in memory only.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { senderErrorCodeSchema } from '../../src/upstreams/sinch/contract.ts';
import type { Database } from '../data/database.ts';
import type { PendingDelivery } from './callbacks.ts';
import type { Sandbox } from './sandbox.ts';
import { webhookUrlSecret } from './scrub.ts';
import type { PendingOutcome } from './sender-lifecycle.ts';
import { UPSTREAM_NAMES } from './upstreams.ts';

/** At most one save a second: a sandbox onboarding hundreds of customers (the bench) must not spend
 * its time serializing; a graceful stop saves the rest, a killed process loses at most that. */
const SAVE_AFTER_MS = 1000;

const pendingOutcomeSchema = z.object({
  senderId: z.string(),
  changes: z.array(
    z.object({
      state: z.enum([
        'ACTIVE',
        'ERROR',
        'SUSPENDED',
        'INACTIVE',
        'PENDING_VERIFICATION',
        'REJECTED',
      ]),
      errorCode: senderErrorCodeSchema.optional(),
      errorReason: z.string().optional(),
      displayName: z.enum(['PENDING', 'APPROVED']).optional(),
    }),
  ),
  delayMs: z.number(),
  dueAt: z.number(),
});

const pendingDeliverySchema = z.object({
  delivery: z.object({
    kind: z.enum(['sendzen_signup_webhook', 'provisioning_callback', 'conversation_callback']),
    upstream: z.enum(UPSTREAM_NAMES),
    target: z.string(),
    body: z.string(),
    signingSecret: z.string().optional(),
  }),
  nextAttempt: z.number().int().min(1),
});

const stateFileSchema = z.object({
  version: z.literal(1),
  savedAt: z.string(),
  /** Per collection of mocks/data/database.ts, its records; each is checked by its own schema. */
  collections: z.record(z.string(), z.array(z.unknown())),
  senderOutcomes: z.array(pendingOutcomeSchema),
  deliveries: z.array(pendingDeliverySchema),
});
type StateFileContents = z.infer<typeof stateFileSchema>;

export class StateFileError extends Error {}

type Watchable = { hooks: { on(type: string, listener: () => void): unknown } };

export class SandboxStateFile {
  readonly file: string;
  readonly #sandbox: Sandbox;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(sandbox: Sandbox, file: string) {
    this.#sandbox = sandbox;
    this.file = file;
  }

  /**
   * Loads `file` into a fresh sandbox when it exists (a missing file is an empty sandbox), re-arms
   * what was pending, then saves after every change.
   */
  static async open(sandbox: Sandbox, file: string): Promise<SandboxStateFile> {
    const stateFile = new SandboxStateFile(sandbox, file);
    if (existsSync(file)) await stateFile.#load();
    for (const collection of Object.values(sandbox.db) as unknown as Watchable[]) {
      for (const type of ['create', 'update', 'delete']) {
        collection.hooks.on(type, () => stateFile.#changed());
      }
    }
    sandbox.changed = () => stateFile.#changed();
    return stateFile;
  }

  /** Writes now; later changes are no longer saved (the fake is closing). */
  close(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#save();
    this.#closed = true;
  }

  #changed(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#save();
    }, SAVE_AFTER_MS);
    // A pending save must not keep a process alive; close() writes what is left.
    this.#timer.unref();
  }

  #save(): void {
    if (this.#closed) return;
    const { db, senders, deliveries } = this.#sandbox;
    const contents: StateFileContents = {
      version: 1,
      savedAt: new Date().toISOString(),
      collections: Object.fromEntries(
        Object.entries(db).map(([name, collection]) => [name, collection.all()]),
      ),
      senderOutcomes: senders.pending(),
      deliveries: deliveries.pending(),
    };
    mkdirSync(dirname(this.file), { recursive: true });
    // Written whole and renamed: a crash mid-write leaves the previous state, never half of one.
    const temporary = `${this.file}.${process.pid}.tmp`;
    rmSync(temporary, { force: true });
    writeFileSync(temporary, `${JSON.stringify(contents)}\n`, { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  async #load(): Promise<void> {
    let contents: StateFileContents;
    try {
      contents = stateFileSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')));
    } catch (error) {
      throw new StateFileError(
        `The sandbox state file ${this.file} cannot be read (${error instanceof Error ? error.message : String(error)}). ` +
          'Run `npm run sandbox:reset` to start the sandbox afresh.',
      );
    }
    const sandbox = this.#sandbox;
    const db = sandbox.db as unknown as Record<
      string,
      { create(record: unknown): Promise<unknown> }
    >;
    let records = 0;
    for (const [name, list] of Object.entries(contents.collections)) {
      const collection = db[name];
      if (!collection) continue;
      for (const record of list) {
        try {
          await collection.create(record);
        } catch (error) {
          throw new StateFileError(
            `The sandbox state file ${this.file} holds a ${name} record this fake cannot load (${error instanceof Error ? error.message : String(error)}). Run \`npm run sandbox:reset\` to start the sandbox afresh.`,
          );
        }
        records++;
      }
    }
    rememberSecrets(sandbox);
    if (records > 0) {
      // The seeded streams would hand out again the ids the saved records already hold: a
      // reloaded sandbox draws them at random, as an unseeded one (`npm start`'s) always does.
      sandbox.ids.reseed();
      sandbox.nonces.reseed();
    }

    const armed = new Map(contents.senderOutcomes.map((o) => [o.senderId, o]));
    for (const sender of sandbox.db.senders.findMany((q) => q.where({ state: 'IN_PROGRESS' }))) {
      // Saved with no outcome armed (cannot happen unless the file was edited): the default one.
      const outcome: PendingOutcome = armed.get(sender.id) ?? {
        senderId: sender.id,
        changes: [{ state: 'ACTIVE' }],
        delayMs: sandbox.config.senderActivationMs,
        dueAt: Date.now() + sandbox.config.senderActivationMs,
      };
      sandbox.senders.resume(outcome);
    }
    for (const outcome of contents.senderOutcomes) {
      // A forced or scripted change to a sender no longer IN_PROGRESS (SUSPENDED, INACTIVE...).
      if (!sandbox.senders.pending().some((p) => p.senderId === outcome.senderId)) {
        if (sandbox.db.senders.findFirst((q) => q.where({ id: outcome.senderId }))) {
          sandbox.senders.resume(outcome);
        }
      }
    }
    sandbox.deliveries.resume(contents.deliveries as PendingDelivery[]);
  }
}

/** The redactor forgets at a restart: what the saved records hold must be scrubbed again. */
function rememberSecrets(sandbox: Sandbox): void {
  const db: Database = sandbox.db;
  const { secrets } = sandbox;
  for (const p of db.sendzenProjects.all()) {
    secrets.remember(p.api_key, p.webhookUrl ? webhookUrlSecret(p.webhookUrl) : undefined);
  }
  for (const s of db.iframeSessions.all()) secrets.remember(s.token);
  for (const t of db.accessTokens.all()) secrets.remember(t.access_token);
  for (const c of db.metaCodes.all()) secrets.remember(c.code);
  for (const s of db.senders.all()) secrets.remember(s.bearerToken);
  for (const w of db.provisioningWebhooks.all()) secrets.remember(w.secret);
  for (const a of db.conversationApps.all()) {
    secrets.remember(a.callback_settings?.secret_for_overridden_callback_urls);
    for (const credential of a.channel_credentials) {
      if (credential.channel === 'WHATSAPP' && 'static_bearer' in credential) {
        secrets.remember(credential.static_bearer.token, credential.callback_secret);
      }
    }
  }
  for (const w of db.conversationWebhooks.all()) {
    secrets.remember(w.secret, w.client_credentials?.client_secret as string | undefined);
  }
}
