-- Tables read and written by ET-DATA-001 §3.5 (_update_database, _update_sync_status).
-- IF NOT EXISTS throughout: the schemas may already exist in a shared trading database.
-- Plain PostgreSQL 15 SQL: the embedded PGlite is PostgreSQL 18 and would accept newer syntax.

CREATE SCHEMA IF NOT EXISTS trading;
CREATE SCHEMA IF NOT EXISTS data_sources;

CREATE TABLE IF NOT EXISTS trading.symbols (
  id serial PRIMARY KEY,
  symbol text NOT NULL UNIQUE,
  name text,
  asset_type text,
  base_asset text,
  quote_asset text,
  price_precision integer,
  polygon_ticker text,
  priority integer,
  is_active boolean NOT NULL DEFAULT true,
  -- Latest price lives in metadata->'last_update', merged with || as the spec's UPDATE does.
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS data_sources.api_providers (
  id serial PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text,
  base_url text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS data_sources.data_sync_status (
  id serial PRIMARY KEY,
  ticker_id integer NOT NULL REFERENCES trading.symbols (id) ON DELETE CASCADE,
  -- NOT NULL: a missing provider row must fail loudly, not create rows that escape the unique key.
  provider_id integer NOT NULL REFERENCES data_sources.api_providers (id),
  last_sync_timestamp timestamptz,
  sync_status text NOT NULL DEFAULT 'pending'
    CHECK (sync_status IN ('pending', 'in_progress', 'success', 'failed', 'stale')),
  error_message text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (ticker_id, provider_id)
);
