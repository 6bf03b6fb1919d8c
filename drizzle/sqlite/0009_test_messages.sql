CREATE TABLE `test_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`onboarding_id` text NOT NULL,
	`message_id` text NOT NULL,
	`recipient` text NOT NULL,
	`text` text NOT NULL,
	`status` text NOT NULL,
	`failure_code` text,
	`failure_reason` text,
	`reply_text` text,
	`reply_at` integer,
	`sent_at` integer NOT NULL,
	`delivered_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`onboarding_id`) REFERENCES `onboardings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `test_messages_onboarding` ON `test_messages` (`onboarding_id`,`sent_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `test_messages_message_id` ON `test_messages` (`message_id`);