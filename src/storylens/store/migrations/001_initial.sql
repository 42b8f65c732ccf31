-- The first schema: documents with their per-document records, cross-document records,
-- rejections, runs, the sources already read, a bytes cache and full-text search.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE runs (
    id        INTEGER PRIMARY KEY,
    started   TEXT NOT NULL,
    finished  TEXT,
    status    TEXT NOT NULL,            -- running|ok|partial|failed
    summary   TEXT                      -- JSON: counts of documents, rejections, skipped inputs
);

-- One row per input file fully read with a given set of document stages.
CREATE TABLE sources (
    sha256    TEXT NOT NULL,
    stages    TEXT NOT NULL,
    path      TEXT NOT NULL,
    size      INTEGER NOT NULL,
    documents TEXT NOT NULL,            -- JSON list of document ids
    run_id    INTEGER REFERENCES runs(id),
    PRIMARY KEY (sha256, stages)
);

CREATE TABLE documents (
    id        TEXT PRIMARY KEY,
    path      TEXT NOT NULL,
    format    TEXT NOT NULL,
    outlet    TEXT,
    url       TEXT,
    title     TEXT,
    published TEXT,
    language  TEXT,
    text      TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    stages    TEXT NOT NULL,            -- the document stages its records come from
    version   TEXT NOT NULL,            -- storylens version that wrote them
    document  TEXT NOT NULL,            -- JSON: the whole Document record
    records   TEXT NOT NULL             -- JSON: mentions, quotes, times, events, framing, citations
);
CREATE INDEX documents_outlet ON documents(outlet);
CREATE INDEX documents_published ON documents(published);

-- Cross-document records, recomputed together when the set of documents changes.
CREATE TABLE corpus (
    kind TEXT NOT NULL,                 -- reuse|entities|quote_groups|event_groups|stories|revision (per-document changes)
    id   TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);

CREATE TABLE rejections (
    path   TEXT NOT NULL,
    code   TEXT NOT NULL,
    reason TEXT NOT NULL,
    run_id INTEGER REFERENCES runs(id),
    PRIMARY KEY (path, code, reason)
);

CREATE TABLE cache (
    namespace TEXT NOT NULL,
    key       TEXT NOT NULL,
    value     BLOB NOT NULL,
    PRIMARY KEY (namespace, key)
);

CREATE VIRTUAL TABLE documents_fts USING fts5(id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2');

-- Tables over the JSON records, for SQL users and the exports.
CREATE VIEW quotes AS
SELECT d.id AS doc, q.value ->> '$.id' AS id, q.value ->> '$.text' AS text,
       q.value ->> '$.span[0]' AS start, q.value ->> '$.span[1]' AS "end",
       q.value ->> '$.speaker.text' AS speaker, q.value ->> '$.speaker.entity' AS speaker_entity,
       q.value ->> '$.cue' AS cue, q.value ->> '$.attribution' AS attribution, q.value ->> '$.kind' AS kind
FROM documents d, json_each(d.records, '$.quotes') q;

CREATE VIEW events AS
SELECT d.id AS doc, e.value ->> '$.id' AS id, e.value ->> '$.type' AS type, e.value ->> '$.mode' AS mode,
       e.value ->> '$.span[0]' AS start, e.value ->> '$.span[1]' AS "end",
       e.value ->> '$.date.value' AS date
FROM documents d, json_each(d.records, '$.events') e;

CREATE VIEW times AS
SELECT d.id AS doc, t.value ->> '$.id' AS id, t.value ->> '$.text' AS text, t.value ->> '$.type' AS type,
       t.value ->> '$.value' AS value, t.value ->> '$.basis' AS basis
FROM documents d, json_each(d.records, '$.times') t;

CREATE VIEW entities AS
SELECT id, data ->> '$.name' AS name, data ->> '$.type' AS type, json_array_length(data, '$.mentions') AS mentions
FROM corpus WHERE kind = 'entities';

CREATE VIEW reuse AS
SELECT data ->> '$.a' AS a, data ->> '$.b' AS b, data ->> '$.kind' AS kind,
       data ->> '$.similarity' AS similarity, data ->> '$.direction' AS direction
FROM corpus WHERE kind = 'reuse';
