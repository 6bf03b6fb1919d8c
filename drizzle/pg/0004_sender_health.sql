ALTER TABLE "conversation_apps" ADD COLUMN "credential_reason" text;--> statement-breakpoint
ALTER TABLE "conversation_apps" ADD COLUMN "credential_checked_at" bigint;--> statement-breakpoint
ALTER TABLE "senders" ADD COLUMN "quality_rating" text;--> statement-breakpoint
ALTER TABLE "senders" ADD COLUMN "display_name_status" text;--> statement-breakpoint
ALTER TABLE "senders" ADD COLUMN "display_name_reason" text;