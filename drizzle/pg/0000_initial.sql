CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"secret_hash" text NOT NULL,
	"created_at" bigint NOT NULL,
	"revoked_at" bigint,
	"last_used_at" bigint
);
--> statement-breakpoint
CREATE TABLE "app_webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"onboarding_id" text NOT NULL,
	"app_id" text NOT NULL,
	"target" text NOT NULL,
	"triggers" jsonb NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversation_apps" (
	"id" text PRIMARY KEY NOT NULL,
	"onboarding_id" text NOT NULL,
	"project_id" text NOT NULL,
	"region" text NOT NULL,
	"display_name" text NOT NULL,
	"sender_id" text NOT NULL,
	"credential_status" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "onboarding_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"onboarding_id" text NOT NULL,
	"version" bigint NOT NULL,
	"at" bigint NOT NULL,
	"type" text NOT NULL,
	"step" text,
	"message" text NOT NULL,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "onboardings" (
	"id" text PRIMARY KEY NOT NULL,
	"client_identifier" text NOT NULL,
	"display_name" text NOT NULL,
	"region" text NOT NULL,
	"meta_local_storage" text,
	"labels" jsonb NOT NULL,
	"auto_provision" boolean NOT NULL,
	"status" text NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"sendzen_project_id" text,
	"sendzen_project_name" text,
	"sendzen_api_key_sealed" text,
	"sendzen_api_key_last4" text,
	"sendzen_webhook_token_sealed" text NOT NULL,
	"iframe_url" text,
	"iframe_url_expires_at" bigint,
	"subproject_id" text,
	"subproject_created_at" bigint,
	"provisioning_webhook_id" text,
	"provisioning_webhook_secret_sealed" text NOT NULL,
	"app_webhook_secret_sealed" text NOT NULL,
	"signup_status" text,
	"signup_source" text,
	"waba_id" text,
	"phone_number_id" text,
	"signup_code_sealed" text,
	"signup_message" text,
	"cancelled_at" bigint,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "senders" (
	"id" text PRIMARY KEY NOT NULL,
	"onboarding_id" text NOT NULL,
	"project_id" text NOT NULL,
	"state" text NOT NULL,
	"region" text NOT NULL,
	"compatible_regions" jsonb NOT NULL,
	"waba_id" text NOT NULL,
	"phone_number_id" text NOT NULL,
	"bearer_token_sealed" text,
	"bearer_token_last4" text,
	"error_code" text,
	"error_reason" text,
	"upstream_modified_at" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "steps" (
	"onboarding_id" text NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"attempts" bigint DEFAULT 0 NOT NULL,
	"next_attempt_at" bigint,
	"requested_at" bigint,
	"outcome_unknown" boolean DEFAULT false NOT NULL,
	"started_at" bigint,
	"finished_at" bigint,
	"updated_at" bigint NOT NULL,
	"upstream_id" text,
	"error_upstream" text,
	"error_code" text,
	"error_message" text,
	"error_retryable" boolean,
	"reconcile_at" bigint,
	"claimed_by" text,
	"lease_until" bigint,
	CONSTRAINT "steps_onboarding_id_name_pk" PRIMARY KEY("onboarding_id","name")
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"dedup_key" text NOT NULL,
	"nonce" text,
	"onboarding_ref" text,
	"body" jsonb NOT NULL,
	"received_at" bigint NOT NULL,
	"processed_at" bigint,
	"outcome" text
);
--> statement-breakpoint
ALTER TABLE "app_webhooks" ADD CONSTRAINT "app_webhooks_onboarding_id_onboardings_id_fk" FOREIGN KEY ("onboarding_id") REFERENCES "public"."onboardings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_apps" ADD CONSTRAINT "conversation_apps_onboarding_id_onboardings_id_fk" FOREIGN KEY ("onboarding_id") REFERENCES "public"."onboardings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "onboarding_events" ADD CONSTRAINT "onboarding_events_onboarding_id_onboardings_id_fk" FOREIGN KEY ("onboarding_id") REFERENCES "public"."onboardings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "senders" ADD CONSTRAINT "senders_onboarding_id_onboardings_id_fk" FOREIGN KEY ("onboarding_id") REFERENCES "public"."onboardings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_onboarding_id_onboardings_id_fk" FOREIGN KEY ("onboarding_id") REFERENCES "public"."onboardings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "app_webhooks_onboarding" ON "app_webhooks" USING btree ("onboarding_id");--> statement-breakpoint
CREATE INDEX "conversation_apps_onboarding" ON "conversation_apps" USING btree ("onboarding_id");--> statement-breakpoint
CREATE INDEX "onboarding_events_onboarding" ON "onboarding_events" USING btree ("onboarding_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "onboardings_client_identifier" ON "onboardings" USING btree ("client_identifier");--> statement-breakpoint
CREATE INDEX "onboardings_status" ON "onboardings" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "senders_onboarding" ON "senders" USING btree ("onboarding_id");--> statement-breakpoint
CREATE INDEX "steps_due_at" ON "steps" USING btree ("next_attempt_at") WHERE "steps"."status" in ('PENDING', 'WAITING') and "steps"."next_attempt_at" is not null;--> statement-breakpoint
CREATE INDEX "steps_reconcile_at" ON "steps" USING btree ("reconcile_at") WHERE "steps"."reconcile_at" is not null;--> statement-breakpoint
CREATE INDEX "steps_running" ON "steps" USING btree ("lease_until") WHERE "steps"."status" = 'RUNNING';--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_dedup" ON "webhook_deliveries" USING btree ("source","dedup_key");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_nonce" ON "webhook_deliveries" USING btree ("source","nonce") WHERE "webhook_deliveries"."nonce" is not null;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_unprocessed" ON "webhook_deliveries" USING btree ("processed_at");