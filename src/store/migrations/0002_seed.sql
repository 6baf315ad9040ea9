-- The provider row the spec's sync-status upsert looks up, and the catalog of ET-DATA-001 §3.2.
-- DO NOTHING: an operator's edits to existing rows win; ASSETS_FILE changes go through upsertCatalog.

INSERT INTO data_sources.api_providers (code, name, base_url)
VALUES ('polygon', 'Polygon.io (Massive)', 'https://api.massive.com')
ON CONFLICT (code) DO NOTHING;

-- The spec gives names, base/quote and precision for the critical assets only; the secondary
-- ones use the conventional values for each pair.
INSERT INTO trading.symbols
  (symbol, name, asset_type, base_asset, quote_asset, price_precision, polygon_ticker, priority)
VALUES
  ('XAUUSD', 'Gold Spot / US Dollar', 'forex', 'XAU', 'USD', 2, 'C:XAUUSD', 1),
  ('EURUSD', 'Euro / US Dollar', 'forex', 'EUR', 'USD', 5, 'C:EURUSD', 1),
  ('BTCUSD', 'Bitcoin / US Dollar', 'crypto', 'BTC', 'USD', 2, 'X:BTCUSD', 1),
  ('ETHUSDT', 'Ether / Tether', 'crypto', 'ETH', 'USDT', 2, 'X:ETHUSDT', 2),
  ('GBPUSD', 'British Pound / US Dollar', 'forex', 'GBP', 'USD', 5, 'C:GBPUSD', 2),
  ('USDJPY', 'US Dollar / Japanese Yen', 'forex', 'USD', 'JPY', 3, 'C:USDJPY', 2),
  ('XAGUSD', 'Silver Spot / US Dollar', 'forex', 'XAG', 'USD', 3, 'C:XAGUSD', 3),
  ('AUDUSD', 'Australian Dollar / US Dollar', 'forex', 'AUD', 'USD', 5, 'C:AUDUSD', 3),
  ('USDCAD', 'US Dollar / Canadian Dollar', 'forex', 'USD', 'CAD', 5, 'C:USDCAD', 3)
ON CONFLICT (symbol) DO NOTHING;
