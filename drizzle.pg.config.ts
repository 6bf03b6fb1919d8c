import { defineConfig } from 'drizzle-kit';

// PostgreSQL's migrations, generated from its own schema; drizzle.config.ts does SQLite's.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg/schema.ts',
  out: './drizzle/pg',
});
