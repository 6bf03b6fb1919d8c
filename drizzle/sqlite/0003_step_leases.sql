ALTER TABLE `steps` ADD `claimed_by` text;--> statement-breakpoint
ALTER TABLE `steps` ADD `lease_until` integer;