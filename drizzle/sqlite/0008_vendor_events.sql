CREATE TABLE `event_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`endpoint_id` text NOT NULL,
	`onboarding_id` text NOT NULL,
	`event_id` integer NOT NULL,
	`event_type` text NOT NULL,
	`body` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`claimed_by` text,
	`lease_until` integer,
	`last_status_code` integer,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`endpoint_id`) REFERENCES `event_endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `event_deliveries_event` ON `event_deliveries` (`endpoint_id`,`event_id`);--> statement-breakpoint
CREATE INDEX `event_deliveries_order` ON `event_deliveries` (`endpoint_id`,`onboarding_id`,`event_id`);--> statement-breakpoint
CREATE INDEX `event_deliveries_due` ON `event_deliveries` (`next_attempt_at`) WHERE "event_deliveries"."status" = 'PENDING';--> statement-breakpoint
CREATE INDEX `event_deliveries_onboarding` ON `event_deliveries` (`onboarding_id`,`id`);--> statement-breakpoint
CREATE TABLE `event_delivery_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`delivery_id` text NOT NULL,
	`at` integer NOT NULL,
	`status_code` integer,
	`response_excerpt` text,
	`error` text,
	`duration_ms` integer NOT NULL,
	FOREIGN KEY (`delivery_id`) REFERENCES `event_deliveries`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `event_delivery_attempts_delivery` ON `event_delivery_attempts` (`delivery_id`,`id`);--> statement-breakpoint
CREATE TABLE `event_endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`onboarding_id` text,
	`description` text,
	`secret_sealed` text NOT NULL,
	`secret_last4` text NOT NULL,
	`created_at` integer NOT NULL,
	`disabled_at` integer
);
--> statement-breakpoint
CREATE INDEX `event_endpoints_enabled` ON `event_endpoints` (`onboarding_id`) WHERE "event_endpoints"."disabled_at" is null;