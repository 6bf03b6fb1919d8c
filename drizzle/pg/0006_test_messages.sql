CREATE TABLE "test_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"onboarding_id" text NOT NULL,
	"message_id" text NOT NULL,
	"recipient" text NOT NULL,
	"text" text NOT NULL,
	"status" text NOT NULL,
	"failure_code" text,
	"failure_reason" text,
	"reply_text" text,
	"reply_at" bigint,
	"sent_at" bigint NOT NULL,
	"delivered_at" bigint,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "test_messages" ADD CONSTRAINT "test_messages_onboarding_id_onboardings_id_fk" FOREIGN KEY ("onboarding_id") REFERENCES "public"."onboardings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "test_messages_onboarding" ON "test_messages" USING btree ("onboarding_id","sent_at");--> statement-breakpoint
CREATE UNIQUE INDEX "test_messages_message_id" ON "test_messages" USING btree ("message_id");