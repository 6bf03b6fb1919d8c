DROP INDEX `steps_due`;--> statement-breakpoint
ALTER TABLE `steps` ADD `reconcile_at` integer;--> statement-breakpoint
CREATE INDEX `steps_due_at` ON `steps` (`next_attempt_at`) WHERE "steps"."status" in ('PENDING', 'WAITING') and "steps"."next_attempt_at" is not null;--> statement-breakpoint
CREATE INDEX `steps_reconcile_at` ON `steps` (`reconcile_at`) WHERE "steps"."reconcile_at" is not null;--> statement-breakpoint
CREATE INDEX `steps_running` ON `steps` (`status`) WHERE "steps"."status" = 'RUNNING';--> statement-breakpoint
-- Steps of a cancelled onboarding are never due: the runner's due query no longer joins onboardings.
UPDATE `steps` SET `next_attempt_at` = NULL WHERE `onboarding_id` IN (SELECT `id` FROM `onboardings` WHERE `cancelled_at` IS NOT NULL);
