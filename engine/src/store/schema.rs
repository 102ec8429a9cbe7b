//! The database schema as numbered migrations; `user_version` records how far a file has come,
//! so an older file is upgraded in place when it is opened.

/// Each entry upgrades the schema from version `index` to `index + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: definitions, organisations, instances, the append-only event log, schedule runs.
    r"
    CREATE TABLE definitions (
        id          INTEGER PRIMARY KEY,
        workflow    TEXT NOT NULL,
        version     INTEGER NOT NULL,
        revision    INTEGER NOT NULL,
        hash        TEXT NOT NULL UNIQUE,
        source      TEXT NOT NULL,
        path        TEXT NOT NULL,
        interface   TEXT NOT NULL,
        deployed_at TEXT NOT NULL,
        UNIQUE (workflow, revision)
    );
    CREATE TABLE orgs (
        id        INTEGER PRIMARY KEY,
        hash      TEXT NOT NULL UNIQUE,
        path      TEXT NOT NULL,
        org       TEXT NOT NULL,
        loaded_at TEXT NOT NULL
    );
    CREATE TABLE instances (
        id            INTEGER PRIMARY KEY,
        definition_id INTEGER NOT NULL REFERENCES definitions(id),
        workflow      TEXT NOT NULL,
        status        TEXT NOT NULL,
        outcome       TEXT,
        states        TEXT NOT NULL,
        requester     TEXT NOT NULL,
        parent_id     INTEGER REFERENCES instances(id),
        snapshot      TEXT NOT NULL,
        version       INTEGER NOT NULL,
        next_due      TEXT,
        head_hash     TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE INDEX instances_by_workflow ON instances (workflow, status);
    CREATE INDEX instances_by_due ON instances (next_due) WHERE status = 'active';
    CREATE TABLE events (
        instance_id INTEGER NOT NULL REFERENCES instances(id),
        seq         INTEGER NOT NULL,
        at          TEXT NOT NULL,
        actor       TEXT NOT NULL,
        role        TEXT,
        kind        TEXT NOT NULL,
        state       TEXT,
        action      TEXT,
        from_states TEXT NOT NULL,
        to_states   TEXT NOT NULL,
        changes     TEXT NOT NULL,
        comment     TEXT,
        payload     TEXT NOT NULL,
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL,
        PRIMARY KEY (instance_id, seq)
    ) WITHOUT ROWID;
    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TABLE schedule_runs (
        workflow    TEXT NOT NULL,
        schedule    INTEGER NOT NULL,
        due         TEXT NOT NULL,
        instance_id INTEGER NOT NULL REFERENCES instances(id),
        PRIMARY KEY (workflow, schedule, due)
    );
    ",
    // 2: the next time `tick` has something to do on an instance (a reminder before a deadline,
    // or the deadline), apart from the deadline itself that `list --overdue` reads.
    r"
    ALTER TABLE instances ADD COLUMN next_alarm TEXT;
    UPDATE instances SET next_alarm = next_due;
    CREATE INDEX instances_by_alarm ON instances (next_alarm) WHERE status = 'active';
    CREATE TABLE stand_ins (
        id        INTEGER PRIMARY KEY,
        person    TEXT NOT NULL,
        stand_in  TEXT NOT NULL,
        starts    TEXT NOT NULL,
        ends      TEXT NOT NULL,
        reason    TEXT NOT NULL,
        named_at  TEXT NOT NULL
    );
    CREATE INDEX stand_ins_by_person ON stand_ins (person, stand_in);
    CREATE TRIGGER stand_ins_append_only_update BEFORE UPDATE ON stand_ins
        BEGIN SELECT RAISE(ABORT, 'stand-ins are append-only'); END;
    CREATE TRIGGER stand_ins_append_only_delete BEFORE DELETE ON stand_ins
        BEGIN SELECT RAISE(ABORT, 'stand-ins are append-only'); END;
    ",
];
