CREATE TABLE `app_webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`onboarding_id` text NOT NULL,
	`app_id` text NOT NULL,
	`target` text NOT NULL,
	`triggers` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`onboarding_id`) REFERENCES `onboardings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `conversation_apps` (
	`id` text PRIMARY KEY NOT NULL,
	`onboarding_id` text NOT NULL,
	`project_id` text NOT NULL,
	`region` text NOT NULL,
	`display_name` text NOT NULL,
	`sender_id` text NOT NULL,
	`credential_status` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`onboarding_id`) REFERENCES `onboardings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `onboarding_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`onboarding_id` text NOT NULL,
	`version` integer NOT NULL,
	`at` integer NOT NULL,
	`type` text NOT NULL,
	`step` text,
	`message` text NOT NULL,
	`data` text,
	FOREIGN KEY (`onboarding_id`) REFERENCES `onboardings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `onboarding_events_onboarding` ON `onboarding_events` (`onboarding_id`,`id`);--> statement-breakpoint
CREATE TABLE `onboardings` (
	`id` text PRIMARY KEY NOT NULL,
	`client_identifier` text NOT NULL,
	`display_name` text NOT NULL,
	`region` text NOT NULL,
	`meta_local_storage` text,
	`labels` text NOT NULL,
	`auto_provision` integer NOT NULL,
	`status` text NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`sendzen_project_id` text,
	`sendzen_project_name` text,
	`sendzen_api_key_sealed` text,
	`sendzen_api_key_last4` text,
	`sendzen_webhook_token_sealed` text NOT NULL,
	`iframe_url` text,
	`iframe_url_expires_at` integer,
	`subproject_id` text,
	`subproject_created_at` integer,
	`provisioning_webhook_id` text,
	`provisioning_webhook_secret_sealed` text NOT NULL,
	`app_webhook_secret_sealed` text NOT NULL,
	`signup_status` text,
	`signup_source` text,
	`waba_id` text,
	`phone_number_id` text,
	`signup_code_sealed` text,
	`signup_message` text,
	`cancelled_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `onboardings_client_identifier` ON `onboardings` (`client_identifier`);--> statement-breakpoint
CREATE INDEX `onboardings_status` ON `onboardings` (`status`,`id`);--> statement-breakpoint
CREATE TABLE `senders` (
	`id` text PRIMARY KEY NOT NULL,
	`onboarding_id` text NOT NULL,
	`project_id` text NOT NULL,
	`state` text NOT NULL,
	`region` text NOT NULL,
	`compatible_regions` text NOT NULL,
	`waba_id` text NOT NULL,
	`phone_number_id` text NOT NULL,
	`bearer_token_sealed` text,
	`bearer_token_last4` text,
	`error_code` text,
	`error_reason` text,
	`upstream_modified_at` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`onboarding_id`) REFERENCES `onboardings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `steps` (
	`onboarding_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`requested_at` integer,
	`outcome_unknown` integer DEFAULT false NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`updated_at` integer NOT NULL,
	`upstream_id` text,
	`error_upstream` text,
	`error_code` text,
	`error_message` text,
	`error_retryable` integer,
	PRIMARY KEY(`onboarding_id`, `name`),
	FOREIGN KEY (`onboarding_id`) REFERENCES `onboardings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `steps_due` ON `steps` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`dedup_key` text NOT NULL,
	`nonce` text,
	`onboarding_ref` text,
	`body` text NOT NULL,
	`received_at` integer NOT NULL,
	`processed_at` integer,
	`outcome` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_dedup` ON `webhook_deliveries` (`source`,`dedup_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_nonce` ON `webhook_deliveries` (`source`,`nonce`) WHERE "webhook_deliveries"."nonce" is not null;--> statement-breakpoint
CREATE INDEX `webhook_deliveries_unprocessed` ON `webhook_deliveries` (`processed_at`);