-- The new key column exists before the key that names it (drizzle-kit wrote it last).
ALTER TABLE "steps" ADD COLUMN "number" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "steps" DROP CONSTRAINT "steps_onboarding_id_name_pk";--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_onboarding_id_name_number_pk" PRIMARY KEY("onboarding_id","name","number");--> statement-breakpoint
ALTER TABLE "onboardings" ADD COLUMN "signup_path" text DEFAULT 'SENDZEN' NOT NULL;--> statement-breakpoint
ALTER TABLE "onboardings" ADD COLUMN "meta_signup" jsonb;--> statement-breakpoint
ALTER TABLE "onboardings" ADD COLUMN "coexistence" boolean DEFAULT false NOT NULL;
