DROP INDEX `onboardings_client_identifier`;--> statement-breakpoint
ALTER TABLE `onboardings` ADD `attempt` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `onboardings_client_identifier_attempt` ON `onboardings` (`client_identifier`,`attempt`);