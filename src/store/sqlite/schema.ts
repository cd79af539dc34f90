/** Schema migrations, applied in order; the database's user_version says how many ran. Append only. */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);
  CREATE TABLE api_keys (hash TEXT PRIMARY KEY, account_id TEXT REFERENCES accounts(id), created_at TEXT NOT NULL);
  CREATE TABLE scripts (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    isolation TEXT NOT NULL,
    limits_json TEXT NOT NULL,
    deployed_version INTEGER NOT NULL,
    latest_version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX scripts_by_account ON scripts (account_id, deleted);
  CREATE TABLE versions (
    script_id TEXT NOT NULL REFERENCES scripts(id),
    version INTEGER NOT NULL,
    code TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (script_id, version)
  );
  CREATE TABLE env (
    script_id TEXT NOT NULL REFERENCES scripts(id),
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    secret INTEGER NOT NULL,
    PRIMARY KEY (script_id, name)
  );
  CREATE TABLE executions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    script_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    fn TEXT NOT NULL,
    trigger TEXT NOT NULL,
    ok INTEGER NOT NULL,
    result_json TEXT,
    error_json TEXT,
    logs_json TEXT NOT NULL,
    cpu_ms REAL NOT NULL,
    wall_ms REAL NOT NULL,
    started_at TEXT NOT NULL
  );
  CREATE INDEX executions_by_script ON executions (script_id, seq);
  CREATE INDEX executions_by_account ON executions (account_id, seq);
  CREATE TABLE schedules (
    script_id TEXT PRIMARY KEY REFERENCES scripts(id),
    account_id TEXT NOT NULL,
    cron TEXT NOT NULL,
    timezone TEXT NOT NULL,
    data_json TEXT NOT NULL
  );
  `,
  `
  CREATE TABLE kv (
    account_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    json INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (account_id, key)
  ) WITHOUT ROWID;
  CREATE TABLE docs (
    account_id TEXT NOT NULL,
    area TEXT NOT NULL,
    key TEXT NOT NULL,
    json TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, area, key)
  ) WITHOUT ROWID;
  `,
  `
  ALTER TABLE accounts ADD COLUMN egress_json TEXT NOT NULL DEFAULT '{}';
  `,
  `
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    script_id TEXT NOT NULL,
    fn TEXT NOT NULL,
    data_json TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    backoff_ms INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    result_json TEXT,
    error_json TEXT,
    last_execution_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX jobs_due ON jobs (status, run_at);
  CREATE INDEX jobs_by_account ON jobs (account_id, status);
  `,
  `
  ALTER TABLE scripts ADD COLUMN routing_json TEXT NOT NULL DEFAULT '{}';
  CREATE TABLE routing_chains (
    account_id TEXT PRIMARY KEY,
    run_first_json TEXT NOT NULL,
    run_last_json TEXT NOT NULL
  );
  `,
  `
  CREATE TABLE voice_numbers (
    number TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    script_id TEXT NOT NULL
  );
  CREATE INDEX voice_numbers_by_account ON voice_numbers (account_id);
  `,
  `
  ALTER TABLE versions ADD COLUMN author TEXT NOT NULL DEFAULT '';
  `,
];
