CREATE TABLE "event_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"endpoint_id" text NOT NULL,
	"onboarding_id" text NOT NULL,
	"event_id" bigint NOT NULL,
	"event_type" text NOT NULL,
	"body" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" bigint,
	"claimed_by" text,
	"lease_until" bigint,
	"last_status_code" integer,
	"created_at" bigint NOT NULL,
	"delivered_at" bigint
);
--> statement-breakpoint
CREATE TABLE "event_delivery_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"delivery_id" text NOT NULL,
	"at" bigint NOT NULL,
	"status_code" integer,
	"response_excerpt" text,
	"error" text,
	"duration_ms" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_endpoints" (
	"id" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"onboarding_id" text,
	"description" text,
	"secret_sealed" text NOT NULL,
	"secret_last4" text NOT NULL,
	"created_at" bigint NOT NULL,
	"disabled_at" bigint
);
--> statement-breakpoint
ALTER TABLE "event_deliveries" ADD CONSTRAINT "event_deliveries_endpoint_id_event_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."event_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_delivery_attempts" ADD CONSTRAINT "event_delivery_attempts_delivery_id_event_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."event_deliveries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "event_deliveries_event" ON "event_deliveries" USING btree ("endpoint_id","event_id");--> statement-breakpoint
CREATE INDEX "event_deliveries_order" ON "event_deliveries" USING btree ("endpoint_id","onboarding_id","event_id");--> statement-breakpoint
CREATE INDEX "event_deliveries_due" ON "event_deliveries" USING btree ("next_attempt_at") WHERE "event_deliveries"."status" = 'PENDING';--> statement-breakpoint
CREATE INDEX "event_deliveries_onboarding" ON "event_deliveries" USING btree ("onboarding_id","id");--> statement-breakpoint
CREATE INDEX "event_delivery_attempts_delivery" ON "event_delivery_attempts" USING btree ("delivery_id","id");--> statement-breakpoint
CREATE INDEX "event_endpoints_enabled" ON "event_endpoints" USING btree ("onboarding_id") WHERE "event_endpoints"."disabled_at" is null;