ALTER TABLE `conversation_apps` ADD `credential_reason` text;--> statement-breakpoint
ALTER TABLE `conversation_apps` ADD `credential_checked_at` integer;--> statement-breakpoint
ALTER TABLE `senders` ADD `quality_rating` text;--> statement-breakpoint
ALTER TABLE `senders` ADD `display_name_status` text;--> statement-breakpoint
ALTER TABLE `senders` ADD `display_name_reason` text;