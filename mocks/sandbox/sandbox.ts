// Everything one running fake holds: its database, clocks, scripted behaviour and journal. Tests
// start several fakes side by side, so nothing here is module-level state.
import { Redactor } from '../../src/upstreams/redact.ts';
import { SANDBOX_CREDENTIALS, type SandboxCredentials } from '../credentials.ts';
import { clearDatabase, createDatabase, type Database } from '../data/database.ts';
import { CallbackDeliveries } from './callbacks.ts';
import type { SandboxConfig } from './config.ts';
import { FaultBook } from './faults.ts';
import { deriveSeed, IdSource } from './ids.ts';
import { Journal } from './journal.ts';
import { ScenarioBook } from './scenarios.ts';
import { SenderLifecycle } from './sender-lifecycle.ts';
import { SenderOutcomeQueue } from './sender-outcomes.ts';
import { Timers } from './timers.ts';
import { type SandboxUrls, urlsFor } from './upstreams.ts';

export interface SandboxState {
  readonly credentials: SandboxCredentials;
  /** Mutable: PATCH /_sandbox/config changes it in place. */
  readonly config: SandboxConfig;
  urls: SandboxUrls;
  readonly db: Database;
  readonly ids: IdSource;
  /** Callback nonces: their own stream, since deliveries happen at times no seed controls. */
  readonly nonces: IdSource;
  readonly journal: Journal;
  readonly faults: FaultBook;
  readonly timers: Timers;
  readonly deliveries: CallbackDeliveries;
  readonly senderOutcomes: SenderOutcomeQueue;
  /** Which customer plays which named scenario (scenarios.ts). */
  readonly scenarios: ScenarioBook;
  /** Every secret the fake issued or accepts, scrubbed by value from the journal and state dumps. */
  readonly secrets: Redactor;
  /**
   * Told when something a restart must keep changed beyond the collections (which announce their
   * own changes): a timer armed or spent, a reset. The state file (state-file.ts) listens.
   */
  changed: () => void;
}

export interface Sandbox extends SandboxState {
  readonly senders: SenderLifecycle;
  /** Forgets everything; without a seed, re-seeds with the one the fake started with. */
  reset(seed?: string | number): void;
  /** Stops timers and deliveries for good (the server is closing). */
  stop(): void;
}

export function createSandbox(options: { seed?: string | number; config: SandboxConfig }): Sandbox {
  const secrets = new Redactor();
  const { sendzenPartnerKey, sinchKeyId, sinchKeySecret } = SANDBOX_CREDENTIALS;
  secrets.remember(
    sendzenPartnerKey,
    sinchKeySecret,
    Buffer.from(`${sinchKeyId}:${sinchKeySecret}`).toString('base64'),
  );

  const ids = new IdSource(options.seed);
  const nonces = new IdSource(deriveSeed(options.seed, 'nonces'));
  const dice = new IdSource(deriveSeed(options.seed, 'faults'));
  const journal = new Journal(secrets);
  const timers = new Timers();
  const config = { ...options.config };

  const state: SandboxState = {
    credentials: SANDBOX_CREDENTIALS,
    config,
    urls: urlsFor(''),
    db: createDatabase(),
    ids,
    nonces,
    journal,
    faults: new FaultBook(() => dice.fraction()),
    timers,
    deliveries: new CallbackDeliveries(
      journal,
      timers,
      () => config.callbackRetryDelaysMs,
      () => nonces.ulid(),
    ),
    senderOutcomes: new SenderOutcomeQueue(),
    scenarios: new ScenarioBook(() => config.senderActivationMs),
    secrets,
    changed: () => {},
  };
  state.deliveries.changed = () => state.changed();
  const senders = new SenderLifecycle(state);

  const stop = () => {
    state.timers.clearAll();
    state.deliveries.cancelAll();
    senders.forgetPending();
  };

  return Object.assign(state, {
    senders,
    stop,
    reset(seed?: string | number) {
      stop();
      clearDatabase(state.db);
      state.faults.clear();
      state.journal.clear();
      state.senderOutcomes.clear();
      state.scenarios.clear();
      const next = seed ?? options.seed;
      ids.reseed(next);
      nonces.reseed(deriveSeed(next, 'nonces'));
      dice.reseed(deriveSeed(next, 'faults'));
      state.changed();
    },
  });
}
