-- Price history (beyond ET-DATA-001): every stored snapshot is appended here, in the same
-- statement that merges it into trading.symbols.metadata. The latest price is read from here.
-- Rows are never updated; retention (HISTORY_RETENTION_DAYS) deletes old ones in chunks.
--
-- symbol_id, not the symbol text: the same key as data_sync_status.ticker_id, a 4-byte index
-- key instead of a string, history that cannot name a symbol missing from the catalog, and rows
-- that follow a symbol deleted from the catalog (ON DELETE CASCADE, as its sync status does).
-- double precision, not numeric: the provider sends JSON numbers, the service holds them as
-- IEEE doubles, and float8 stores and returns exactly those values (numeric would come back as
-- strings and cost more to write).

CREATE TABLE IF NOT EXISTS trading.price_snapshots (
  id bigserial PRIMARY KEY,
  symbol_id integer NOT NULL REFERENCES trading.symbols (id) ON DELETE CASCADE,
  bid double precision NOT NULL,
  ask double precision NOT NULL,
  spread double precision NOT NULL,
  last_price double precision NOT NULL,
  daily_open double precision,
  daily_high double precision,
  daily_low double precision,
  daily_close double precision,
  daily_volume double precision,
  -- The provider's time of the quote or trade: what "latest" and retention are measured by.
  provider_ts timestamptz NOT NULL,
  -- When this service stored it (transaction time), for audits of delivery delay.
  received_at timestamptz NOT NULL DEFAULT now(),
  source text NOT NULL
);

-- Latest price per symbol (one index probe each), a symbol's history in time order, and the
-- per-symbol retention scan. Newest first by provider time; id breaks ties (the later insert).
CREATE INDEX IF NOT EXISTS price_snapshots_symbol_time_idx
  ON trading.price_snapshots (symbol_id, provider_ts DESC, id DESC);
