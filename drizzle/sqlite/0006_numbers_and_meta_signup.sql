-- Steps gain a phone number (empty for the onboarding's own steps), part of their key; drizzle-kit
-- selected the new column from the old table, so the copy names its value instead.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_steps` (
	`onboarding_id` text NOT NULL,
	`name` text NOT NULL,
	`number` text DEFAULT '' NOT NULL,
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
	`reconcile_at` integer,
	`claimed_by` text,
	`lease_until` integer,
	PRIMARY KEY(`onboarding_id`, `name`, `number`),
	FOREIGN KEY (`onboarding_id`) REFERENCES `onboardings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_steps`("onboarding_id", "name", "number", "status", "attempts", "next_attempt_at", "requested_at", "outcome_unknown", "started_at", "finished_at", "updated_at", "upstream_id", "error_upstream", "error_code", "error_message", "error_retryable", "reconcile_at", "claimed_by", "lease_until") SELECT "onboarding_id", "name", '', "status", "attempts", "next_attempt_at", "requested_at", "outcome_unknown", "started_at", "finished_at", "updated_at", "upstream_id", "error_upstream", "error_code", "error_message", "error_retryable", "reconcile_at", "claimed_by", "lease_until" FROM `steps`;--> statement-breakpoint
DROP TABLE `steps`;--> statement-breakpoint
ALTER TABLE `__new_steps` RENAME TO `steps`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `steps_due_at` ON `steps` (`next_attempt_at`) WHERE "steps"."status" in ('PENDING', 'WAITING') and "steps"."next_attempt_at" is not null;--> statement-breakpoint
CREATE INDEX `steps_reconcile_at` ON `steps` (`reconcile_at`) WHERE "steps"."reconcile_at" is not null;--> statement-breakpoint
CREATE INDEX `steps_running` ON `steps` (`status`) WHERE "steps"."status" = 'RUNNING';--> statement-breakpoint
ALTER TABLE `onboardings` ADD `signup_path` text DEFAULT 'SENDZEN' NOT NULL;--> statement-breakpoint
ALTER TABLE `onboardings` ADD `meta_signup` text;--> statement-breakpoint
ALTER TABLE `onboardings` ADD `coexistence` integer DEFAULT false NOT NULL;