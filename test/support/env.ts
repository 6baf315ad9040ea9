/** Where the integration and e2e tests find the real servers (see README, "Tests"). */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const TEST_REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export const HOW_TO_START_SERVERS =
  "start them with `docker compose up -d postgres redis` (or `bash .ci/run`, which starts local servers), " +
  "or point DATABASE_URL / REDIS_URL at running ones";
