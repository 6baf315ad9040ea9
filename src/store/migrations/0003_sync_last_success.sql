-- STALE means "the last success is too old", so the last success must be kept apart from
-- last_sync_timestamp, which the spec sets on every attempt, failed ones included.
-- Written only when a row becomes 'success'; read by the stale check and for the asset's age.

ALTER TABLE data_sources.data_sync_status ADD COLUMN IF NOT EXISTS last_success_at timestamptz;

-- Rows whose last attempt succeeded: that attempt was the last success.
UPDATE data_sources.data_sync_status
   SET last_success_at = last_sync_timestamp
 WHERE sync_status = 'success'
   AND last_success_at IS NULL;
