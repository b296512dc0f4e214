/* store.h — the storage contract. SQLite implements it now (sqlite.c); a PostgreSQL
 * backend will implement the same functions behind the same struct.
 *
 * The store knows rows, not rules: validation and canonical encoding happen in the
 * model layer above; the store guarantees atomicity (every write in a transaction),
 * immutability of versions (enforced by the schema itself) and the search index.
 * One ar_store is one connection: use it from one thread at a time. */
#ifndef AR_STORE_STORE_H
#define AR_STORE_STORE_H

#include <jansson.h>

struct ar_store;

/* What the model hands the store for one new version of a registration. */
struct ar_reg_write {
    const char *lars;     /* public id, 8 digits */
    const char *org_name; /* organisation; created with kind "other" when new */
    const char *doc;      /* canonical JSON of the record */
    const char *name, *descr, *name_en, *descr_en;
    const char *status, *pubcat;
    int is_ai; /* 1, 0, or -1 for not stated */
    const char *themes[3];
    int nthemes;
    const char *text_nl, *text_en; /* plain text for the full-text index */
    const char *source_id;         /* the organisation's own id, for idempotent imports */
    const char *author, *note, *created;
};

struct ar_query {
    const char *q;      /* free text; NULL or "" for all */
    const char *org;    /* organisation slug */
    const char *status; /* exact status value */
    const char *pubcat;
    const char *theme;
    int is_ai;        /* -1 any, 0 no, 1 yes */
    const char *sort; /* "relevance", "name", "updated" */
    int page;         /* 1-based */
    int per_page;     /* 1..100; with ids_only up to 1,000,000 */
    int ids_only;     /* items are the public ids only (exports), no snippets */
};

struct ar_org {
    const char *slug, *name, *kind, *contact;
};

/* uri is a file path for SQLite (":memory:" works), or a PostgreSQL URI
 * (postgresql://USER@HOST:PORT/DB; the database must exist, its tables are made by the
 * migrations of migrations/postgresql). create: make the SQLite file; migrations run
 * either way. Migrations newer than this binary knows are refused (no silent
 * downgrade). */
int ar_store_open(struct ar_store **out, const char *uri, int create);
/* 1 for a PostgreSQL URI (postgresql:// or postgres://), 0 for a SQLite file. */
int ar_store_is_pg_uri(const char *uri);
/* 0 when the PostgreSQL server at uri takes a connection; else AR_EUNAVAIL with why. */
int ar_store_pg_reachable(const char *uri, char *why, size_t whylen);

void ar_store_close(struct ar_store *s); /* accepts NULL */
/* Delete a closed SQLite database: the file and its -wal and -shm companions (a file
 * that was only a step on the way, a test's store). */
void ar_store_remove_file(const char *path);
/* The schema version the database is at. */
int ar_store_schema_version(struct ar_store *s);
/* The schema version this binary brings (its newest migration). */
int ar_store_schema_latest(void);
/* The schema version of the database file at path, without changing it (0 for an empty
 * file); AR_EIO, said why, when it cannot be read as an algoreg database. */
int ar_store_file_version(const char *path, int *version);

/* A consistent copy of the database at path into the new file dest while servers keep
 * writing (SQLite's online backup, read-only on path: nothing is migrated), checked
 * with integrity_check and made durable before it gets its name. The keys are not in
 * it: they are files of their own. AR_ECONFLICT when dest exists. */
int ar_store_backup(const char *path, const char *dest);
/* A backup src into the new database dest: src must pass integrity_check and be an
 * algoreg database no newer than this binary; dest is written under a temporary name
 * and renamed, then migrated forward. AR_ECONFLICT when dest exists. */
int ar_store_restore(const char *src, const char *dest);

/* Every row of src into dst, either backend to either: dst must be new (no
 * registrations) and at the same schema version; ids, versions, the log, checkpoints,
 * sealed bytes and accounts go across as they are, so dst serves the same tree under the
 * same signatures. src is read in one transaction (servers may keep writing), dst written
 * in one (all or nothing). *rows counts the rows copied. */
int ar_store_copy(struct ar_store *src, struct ar_store *dst, long long *rows);

/* Transactions nest: the outermost is BEGIN IMMEDIATE … COMMIT, inner ones are
 * savepoints, so one record of a bulk import can be undone without the rest. */
int ar_store_begin(struct ar_store *s);
int ar_store_commit(struct ar_store *s);
void ar_store_rollback(struct ar_store *s);

/* Organisations. put creates or updates by slug. get/list return new JSON objects:
 * {slug, name, kind, contact, registrations}. */
int ar_store_org_put(struct ar_store *s, const struct ar_org *o);
int ar_store_org_get(struct ar_store *s, const char *slug, json_t **out);
int ar_store_org_list(struct ar_store *s, json_t **out);

/* Registrations. insert: version 1 of a new id (AR_ECONFLICT if the id exists).
 * append: the next version, only if the latest is expected_version (AR_ECONFLICT
 * otherwise; AR_ENOTFOUND for an unknown id). Neither begins a transaction: the
 * caller wraps them (the model layer does). */
int ar_store_reg_insert(struct ar_store *s, const struct ar_reg_write *w);
int ar_store_reg_append(struct ar_store *s, const struct ar_reg_write *w, int expected_version,
                        int *new_version);
/* Retraction (the national register's "verbergen"): at, a time, hides registration lars
 * from every public surface (search, pages, exports, counts); NULL makes it public again.
 * Its versions stay. AR_ENOTFOUND for an unknown id, AR_ECONFLICT when it already is so.
 * version_get names the time as "retracted". */
int ar_store_reg_retract(struct ar_store *s, const char *lars, const char *at);
/* 0 when a registration with this public id exists, AR_ENOTFOUND when not. */
int ar_store_reg_exists(struct ar_store *s, const char *lars);
/* Whether lars is retracted: at gets the time and org its organisation's slug, both ""
 * when it is public (or unknown). Asked on every public request, so it reads from a
 * process-wide list of the retracted ones, renewed when the database changes; stamp is
 * the database's change stamp when the caller has it (ar_store_stamp), -1 to read it. */
int ar_store_reg_retracted(struct ar_store *s, long long stamp, const char *lars, char at[32],
                           char org[101]);
/* Every registration of organisation slug, retracted ones too, in id order: [{id, name,
 * updated, source_id, author (of the latest version), retracted (when it is)}]. */
int ar_store_org_registrations(struct ar_store *s, const char *slug, json_t **out);
/* Lookup by public id of an existing registration, by the organisation's source id. */
int ar_store_reg_by_source(struct ar_store *s, const char *org_name, const char *source_id,
                           char lars_out[9]);
/* One version (0 = latest): {id, version, versions, author, created, note, doc (string),
 * registered (time of version 1), organization {slug, name}, retracted (when it is)}. */
int ar_store_version_get(struct ar_store *s, const char *lars, int version, json_t **out);
/* All versions of one registration, newest first: [{version, author, created, note}]. */
int ar_store_versions(struct ar_store *s, const char *lars, json_t **out);
/* Search: {total, page, per_page, pages, items[], facets{organization, status,
 * publication_category, theme, is_ai}}. */
int ar_store_search(struct ar_store *s, const struct ar_query *q, json_t **out);
/* Drop the process's cached search snapshot (it is rebuilt on the next search). */
void ar_store_search_reset(void);
/* Call fn with each latest record document (canonical JSON), in id order. */
int ar_store_each_latest(struct ar_store *s, int (*fn)(void *ctx, const char *doc), void *ctx);
/* Bulk mode, for long imports: a larger page cache, and nested transactions are not
 * savepoints (FTS5 flushes its index at every savepoint, which made imports ten times
 * slower). Callers validate before writing, so a nested part only fails on a storage
 * error; such a failure poisons the outer transaction, whose commit then rolls back
 * everything and returns AR_EIO: all or nothing. */
void ar_store_bulk(struct ar_store *s, int on);
/* The database's change counter: it moves with every write that pages depend on
 * (registrations, versions, organisations), whichever process wrote. On PostgreSQL,
 * while ar_store_watch runs for this database, it is answered from memory. */
int ar_store_stamp(struct ar_store *s, long long *out);
/* PostgreSQL (returns at once for SQLite): keep this process's copy of uri's change
 * counter, so that a page served from the cache costs no round trip. Writers notify at
 * commit (NOTIFY algoreg_changes, sent only if the transaction commits); this listens
 * on a connection of its own and reads the counter again on each notification and at
 * least every second (a notification lost with a dropped connection is not missed for
 * longer). The process's own commits raise the copy themselves before they return, so
 * a visitor always sees their own write; another server's write shows within
 * milliseconds. While not connected, ar_store_stamp asks the database as before. Runs
 * until stop() returns non-zero (asked every second); one per process. */
void ar_store_watch(const char *uri, int (*stop)(void));
/* Number of registrations. */
int ar_store_count(struct ar_store *s, long long *out);

/* ---- transparency log rows (algorithms in src/log) -------------------------------- */

#include <stdint.h>
struct ar_buf;

int ar_store_log_size(struct ar_store *s, uint64_t *out);
/* Leaf index must be the current size; lars/version link a registration version. */
int ar_store_log_append(struct ar_store *s, uint64_t index, const void *data, size_t len,
                        const uint8_t hash[32], const char *lars, int version, const char *created);
int ar_store_log_hash_put(struct ar_store *s, unsigned level, uint64_t index,
                          const uint8_t hash[32]);
/* Complete-subtree hash; level 0 is the leaf hash. AR_ENOTFOUND when absent. */
int ar_store_log_hash_get(struct ar_store *s, unsigned level, uint64_t index, uint8_t out[32]);
/* count consecutive hashes of one level, appended to out (a tile's bytes). */
int ar_store_log_hashes(struct ar_store *s, unsigned level, uint64_t first, uint64_t count,
                        struct ar_buf *out);
/* count consecutive leaves as a tlog-tiles entry bundle, appended to out. */
int ar_store_log_leaves(struct ar_store *s, uint64_t first, uint64_t count, struct ar_buf *out);
int ar_store_log_index_of(struct ar_store *s, const char *lars, int version, uint64_t *out);
/* Latest signed checkpoint (*note malloc'd); AR_ENOTFOUND before the first. */
int ar_store_checkpoint_latest(struct ar_store *s, uint64_t *size, char **note);
int ar_store_checkpoint_put(struct ar_store *s, uint64_t size, const char *note,
                            const char *created);

/* ---- the law-enforcement exception (sealed bytes; rules in src/exception) ----------- */

int ar_store_wh_insert(struct ar_store *s, const char *lars, const char *scope,
                       const char *fields_json, const char *ground, const char *until,
                       const char *created, const void *sealed_meta, size_t len);
/* {id (lars), withholding_id, scope, fields, ground, until, state, extensions, created,
 * published, sealed_meta (base64), organization, organization_name,
 * publication_category}; AR_ENOTFOUND when the registration was never withheld. */
int ar_store_wh_get(struct ar_store *s, const char *lars, json_t **out);
/* Withholdings still in force whose end date is on or before today (YYYY-MM-DD). */
int ar_store_wh_due(struct ar_store *s, const char *today, json_t **out);
int ar_store_wh_all(struct ar_store *s, json_t **out);
int ar_store_wh_set(struct ar_store *s, const char *lars, const char *state, const char *until,
                    int extensions, const char *published);
int ar_store_sealed_put(struct ar_store *s, const char *lars, int version, const char *commitment,
                        const void *sealed, size_t len);
/* [{version, commitment, sealed (base64)}] oldest first. */
int ar_store_sealed_list(struct ar_store *s, const char *lars, json_t **out);
int ar_store_ext_insert(struct ar_store *s, long long wh_id, const char *requested, const char *by,
                        const char *until, const void *sealed, size_t len, long long *id_out);
int ar_store_ext_list(struct ar_store *s, long long wh_id, json_t **out);
/* AR_ECONFLICT when the request was already decided. */
int ar_store_ext_decide(struct ar_store *s, long long ext_id, const char *state,
                        const char *decided, const char *by, const void *sealed, size_t len);
/* The revealed salt and content (canonical JSON) of a published version, and the list
 * [{version, salt, content}] oldest first. */
int ar_store_revealed_put(struct ar_store *s, const char *lars, int version, const char *salt,
                          const char *content);
int ar_store_revealed_list(struct ar_store *s, const char *lars, json_t **out);
/* [{organization, ground, state}] of every extension request. */
int ar_store_ext_stats(struct ar_store *s, json_t **out);

/* ---- AI Act workflows (rules in src/aiact) ------------------------------------------ */

/* Classifications of a registration version; doc is canonical JSON. AR_ENOTFOUND for an
 * unknown registration. list: [{id, version, created, author, conclusion, doc}], newest
 * first. */
int ar_store_cls_insert(struct ar_store *s, const char *lars, int version, const char *created,
                        const char *author, const char *conclusion, const char *doc);
int ar_store_cls_list(struct ar_store *s, const char *lars, json_t **out);
/* Copies of EU database submissions (section A, B, C or IX) with the EU reference.
 * list: [{id, section, reference, submitted, author, doc}], newest first. */
int ar_store_eu_insert(struct ar_store *s, const char *lars, const char *section,
                       const char *reference, const char *submitted, const char *author,
                       const char *doc);
int ar_store_eu_list(struct ar_store *s, const char *lars, json_t **out);

/* Cases: one use of remote biometric identification, or one facial-recognition review.
 * Objects: {id, kind, registration, organization, state, created, updated, created_by,
 * authority, machine, data}. list filters by kind and/or registration when not NULL. */
int ar_store_case_insert(struct ar_store *s, const char *kind, const char *lars, const char *state,
                         const char *created, const char *by, const char *authority,
                         const char *machine, const char *data, long long *id_out);
int ar_store_case_get(struct ar_store *s, long long id, json_t **out);
int ar_store_case_list(struct ar_store *s, const char *kind, const char *lars, json_t **out);
/* data NULL keeps the stored request. */
int ar_store_case_update(struct ar_store *s, long long id, const char *state, const char *updated,
                         const char *machine, const char *data);

/* One transition or refused attempt of a case (append-only). rules and data are JSON. */
struct ar_case_event {
    const char *ts, *actor, *role, *event, *from, *to, *outcome, *rules, *data, *digest;
};
int ar_store_case_event(struct ar_store *s, long long id, const struct ar_case_event *e,
                        int *seq_out);
/* [{seq, ts, actor, role, event, from_state, to_state, outcome, rules, data, digest}]. */
int ar_store_case_events(struct ar_store *s, long long id, json_t **out);
/* Notifications to the market surveillance ("msa") and data-protection ("dpa")
 * authorities; case_id 0 lists all: [{id, case_id, recipient, ts, doc}]. */
int ar_store_notice_insert(struct ar_store *s, long long case_id, const char *recipient,
                           const char *ts, const char *doc);
int ar_store_notice_list(struct ar_store *s, long long case_id, json_t **out);

/* ---- witnesses (c2sp.org/tlog-witness; rules in src/log/witness.c) ---------------------- */

/* Register side. sync: add a configured witness, keeping its cosigned size unless its key
 * changed. get: its cosigned size, AR_ENOTFOUND when it is missing or its key or URL
 * differ from those given (then sync; an idle push only reads). result: record a push attempt
 * (error NULL on success). peers: [{name, url, vkey, size, last_ok, last_attempt, last_error}]. */
int ar_store_wit_peer_sync(struct ar_store *s, const char *name, const char *vkey, const char *url);
int ar_store_wit_peer_get(struct ar_store *s, const char *name, const char *vkey, const char *url,
                          uint64_t *size);
int ar_store_wit_peer_result(struct ar_store *s, const char *name, uint64_t size,
                             const char *attempt, const char *error);
int ar_store_wit_peers(struct ar_store *s, json_t **out);
/* Cosignatures received (kept for good). cosigs: those of one checkpoint size,
 * [{witness, time, line, size}]; covering: per witness its earliest cosignature of a tree
 * containing leaf index, [{witness, time, size}] earliest first. */
int ar_store_cosig_put(struct ar_store *s, uint64_t size, const char *witness, uint64_t ts,
                       const char *line);
int ar_store_cosigs(struct ar_store *s, uint64_t size, json_t **out);
int ar_store_cosigs_covering(struct ar_store *s, uint64_t index, json_t **out);
/* The smallest checkpoint size above index with at least quorum cosignatures. */
int ar_store_cosig_quorum_size(struct ar_store *s, uint64_t index, int quorum, uint64_t *size);
/* The signed checkpoint stored for exactly this size (*note malloc'd). */
int ar_store_checkpoint_at(struct ar_store *s, uint64_t size, char **note);

/* Witness side: the latest cosigned tree head per log origin (AR_ENOTFOUND when none),
 * the head cosigned at a size before, storing a new head (and its history row) and a
 * refused request kept as evidence. Callers hold a write transaction around get+put. */
int ar_store_wstate_get(struct ar_store *s, const char *origin, uint64_t *size, uint8_t root[32]);
int ar_store_wstate_history(struct ar_store *s, const char *origin, uint64_t size,
                            uint8_t root[32]);
int ar_store_wstate_put(struct ar_store *s, const char *origin, uint64_t size,
                        const uint8_t root[32], const char *note, const char *now);
int ar_store_wstate_refused(struct ar_store *s, const char *origin, const char *now, int status,
                            const char *reason, const char *body, size_t len);

/* ---- register quality (rules in src/quality) -------------------------------------------- */

/* The registrations most similar to lars by the words that set it apart (tf-idf over the
 * public full-text index, searched with BM25): {registration, terms[], items[{id, name,
 * organization{slug, name}, score}]}; other organisations only unless same_org. */
int ar_store_similar(struct ar_store *s, const char *lars, int limit, int same_org, json_t **out);

/* Renew the document frequencies similar entries are ranked by when they are stale (ten
 * minutes, or 1 % more entries); the server's ticker calls it, so a large PostgreSQL
 * register (whose vocabulary is counted by ts_stat) never makes a visitor wait. */
int ar_store_similar_refresh(struct ar_store *s);

/* Links: refs are rebuilt from the latest versions (reset, then add each); due lists
 * [{url, failures}] whose next check has come; result records one check. */
int ar_store_link_refs_reset(struct ar_store *s);
int ar_store_link_ref_add(struct ar_store *s, const char *url, const char *lars, const char *field);
int ar_store_links_due(struct ar_store *s, long long now, int limit, json_t **out);
int ar_store_link_result(struct ar_store *s, const char *url, int status, const char *error,
                         const char *checked, long ms, int failures, long long next_check);
/* [{url, field, registration, name, organization, status, error, checked, failures}] of
 * one registration, or the broken ones (two failures in a row) of an organisation (NULL:
 * all); history: the last checks of one URL. */
int ar_store_links_of(struct ar_store *s, const char *lars, json_t **out);
int ar_store_links_broken(struct ar_store *s, const char *org, json_t **out);
int ar_store_link_history(struct ar_store *s, const char *url, json_t **out);

/* Error reports. reports: [{id, registration, organization, created, message, contact,
 * answer, answered, answered_by}] filtered by registration and/or organisation (NULL: any),
 * newest first; callers decide what is public. answer: AR_ECONFLICT when answered. */
int ar_store_report_add(struct ar_store *s, const char *lars, const char *created,
                        const char *message, const char *contact, long long *id);
int ar_store_reports(struct ar_store *s, const char *lars, const char *org, int open_only,
                     json_t **out);
int ar_store_report_answer(struct ar_store *s, long long id, const char *answer,
                           const char *answered, const char *by);

/* Call fn with the latest version of each registration of one organisation. */
int ar_store_each_latest_org(struct ar_store *s, const char *slug,
                             int (*fn)(void *ctx, const char *doc), void *ctx);
/* Counts for the dashboards: {by_year_status, by_year_pubcat: [{year, key, n}], risk:
 * [{key, n}] (latest classification of public registrations), organisations: [{key,
 * slug, n}] (top 15)}. */
int ar_store_dashboard(struct ar_store *s, json_t **out);

/* Slug for an organisation name: lowercase ASCII letters, digits and dashes. */
void ar_store_slugify(char *out, size_t n, const char *name);

/* ---- accounts (auth_sqlite.c) ------------------------------------------------------------
 * Rows only; src/auth holds the rules. Account objects are {id, name, role, org,
 * disabled, created, changed}; get adds pw_hash, list adds has_password and tokens,
 * token_find and sess_get add token_id/last_used and csrf/seen/expires. Token and
 * session hashes are hex BLAKE2b-256 of the secret. */
int ar_store_acct_add(struct ar_store *s, const char *name, const char *role, const char *org,
                      const char *pw_hash, const char *now, long long *id);
int ar_store_acct_get(struct ar_store *s, const char *name, json_t **out);
int ar_store_acct_list(struct ar_store *s, json_t **out);
/* pw_hash NULL keeps it; disabled -1 keeps it. AR_ENOTFOUND for an unknown name. */
int ar_store_acct_update(struct ar_store *s, const char *name, const char *pw_hash, int disabled,
                         const char *now);
int ar_store_acct_count(struct ar_store *s, long long *n);
int ar_store_token_add(struct ar_store *s, long long account, const char *hash, const char *label,
                       const char *now, long long *id);
/* A token that is not revoked, with its account. */
int ar_store_token_find(struct ar_store *s, const char *hash, json_t **out);
int ar_store_token_touch(struct ar_store *s, long long token, const char *now);
int ar_store_token_list(struct ar_store *s, long long account, json_t **out);
int ar_store_token_revoke(struct ar_store *s, long long account, long long token, const char *now);
int ar_store_sess_add(struct ar_store *s, const char *hash, long long account, const char *csrf,
                      const char *now, long long seen, long long expires);
int ar_store_sess_get(struct ar_store *s, const char *hash, json_t **out);
int ar_store_sess_touch(struct ar_store *s, const char *hash, long long seen);
/* Delete the session hash (may be NULL), every session of account (0 for none) and every
 * session that expired by before. */
int ar_store_sess_end(struct ar_store *s, const char *hash, long long account, long long before);
/* Failed-login counter of key: v = {failures, since, locked_until}; all 0 when none.
 * put with failures 0 deletes it. */
int ar_store_fail_get(struct ar_store *s, const char *key, long long v[3]);
int ar_store_fail_put(struct ar_store *s, const char *key, const long long v[3]);

/* Role and organisation of an account (sign-in through a provider sets them from its
 * claims each time). AR_ENOTFOUND for an unknown name. */
int ar_store_acct_set_role(struct ar_store *s, const char *name, const char *role, const char *org,
                           const char *now);

/* Single sign-on (auth.c holds the rules). pending: a sign-in in progress under the hash
 * of its state; take returns and deletes it (AR_ENOTFOUND when unknown or used), and
 * drops every row created before expired_before. link: the account (its name) of
 * (provider, sub). pending_add also drops sign-ins older than ten minutes, osess_add the
 * rows of sessions that ended.
 * osess: a session's provider and subject; osess_end ends every session of provider
 * whose sub and/or sid match (NULL matches any, not both NULL), *n how many. */
int ar_store_oidc_pending_add(struct ar_store *s, const char *state, const char *provider,
                              const char *nonce, const char *verifier, const char *return_to,
                              long long created);
int ar_store_oidc_pending_take(struct ar_store *s, const char *state, long long expired_before,
                               json_t **out);
int ar_store_oidc_link_get(struct ar_store *s, const char *provider, const char *sub,
                           char name[65]);
int ar_store_oidc_link_add(struct ar_store *s, const char *provider, const char *sub,
                           long long account);
int ar_store_oidc_sess_add(struct ar_store *s, const char *session, const char *provider,
                           const char *sub, const char *sid);
/* The provider a session came from into provider (AR_ENOTFOUND: a password session). */
int ar_store_oidc_sess_provider(struct ar_store *s, const char *session, char provider[33]);
int ar_store_oidc_sess_end(struct ar_store *s, const char *provider, const char *sub,
                           const char *sid, int *n);

struct ar_audit {
    const char *at, *actor, *role, *action, *target, *address;
    int outcome;
};
int ar_store_audit_add(struct ar_store *s, const struct ar_audit *a);
/* Newest first; actor NULL for everyone; before > 0 pages by id. */
int ar_store_audit_list(struct ar_store *s, const char *actor, long long before, int limit,
                        json_t **out);

/* ---- drafts waiting for approval (draft_sqlite.c; rules in src/approval) -----------------
 * Rows are {id, ref, lars, org, base_version, withheld, sealed (base64), author, created,
 * state, decided_by, decided_at, reason, published_lars, published_version}. */
struct ar_draft_write {
    const char *ref, *lars, *org, *author, *created;
    const char *state; /* "concept" or "submitted" (NULL) */
    int base_version, withheld;
    const void *sealed;
    size_t sealed_len;
};
int ar_store_draft_add(struct ar_store *s, const struct ar_draft_write *d, long long *id);
int ar_store_draft_get(struct ar_store *s, long long id, json_t **out);
/* Newest first (at most 500); org and state NULL for any. */
int ar_store_draft_list(struct ar_store *s, const char *org, const char *state, json_t **out);
/* Move draft id from state from to state to, recording who, when and why;
 * AR_ECONFLICT when it is not in state from. */
int ar_store_draft_move(struct ar_store *s, long long id, const char *from, const char *to,
                        const char *by, const char *at, const char *reason);
/* 0 when a draft of a new registration (of organisation org; NULL: of any) holds lars as
 * its reserved id, whatever its state; AR_ENOTFOUND when none does. */
int ar_store_draft_holds(struct ar_store *s, const char *lars, const char *org);
/* The newest open (concept or submitted) draft of registration lars; AR_ENOTFOUND when
 * none. */
int ar_store_draft_open(struct ar_store *s, const char *lars, json_t **out);
/* Move a submitted draft to state; AR_ECONFLICT when it is no longer submitted. */
int ar_store_draft_decide(struct ar_store *s, long long id, const char *state, const char *by,
                          const char *at, const char *reason, const char *lars, int version);

/* ---- e-mail notices (notice_sqlite.c; what is said, to whom and sending in src/notice) ---
 * An account's address for notices (NULL clears it); AR_ENOTFOUND for an unknown name. */
int ar_store_acct_set_email(struct ar_store *s, const char *name, const char *email,
                            const char *now);
/* Enabled accounts with an address, of role and organisation org (NULL: any), except
 * account except (NULL: none): [{name, email, role, org}] by name. */
int ar_store_acct_recipients(struct ar_store *s, const char *role, const char *org,
                             const char *except, json_t **out);
struct ar_outbox_write {
    const char *created, *kind, *account, *address, *subject, *body, *link;
    const char *once; /* a reminder's key: a second message with it is not made */
    long long next_try;
};
/* *added is 0 when a message with the same once key exists (nothing is written). */
int ar_store_outbox_add(struct ar_store *s, const struct ar_outbox_write *m, int *added);
/* Up to limit messages due at now, oldest first, leased until until (their next_try
 * moves there, so a second sender skips them): [{id, kind, account, address, subject,
 * body, link, created, attempts}]. The caller holds a write transaction. */
int ar_store_outbox_take(struct ar_store *s, long long now, long long until, int limit,
                         json_t **out);
/* One attempt: error NULL records it sent at at; else attempts + 1, the error, and
 * next_try, or failed at at when give_up. */
int ar_store_outbox_result(struct ar_store *s, long long id, const char *at, const char *error,
                           long long next_try, int give_up);
/* Newest first, without bodies: [{id, created, kind, account, address, subject, attempts,
 * next_try, sent, failed, last_error}]. */
int ar_store_outbox_list(struct ar_store *s, int limit, json_t **out);
/* Delete messages sent, given up, or (unsent) made before (a time); *n how many. */
int ar_store_outbox_purge(struct ar_store *s, const char *before, int *n);

/* ---- operations ------------------------------------------------------------------------
 * Statement timings of every connection in this process (SQLite's profile hook):
 * counts per bucket (upper bounds in seconds in ar_store_timing_bounds, the last +Inf),
 * the total count and nanoseconds. */
#define AR_DB_BUCKETS 9
extern const double ar_store_timing_bounds[AR_DB_BUCKETS - 1];
void ar_store_timings(uint64_t buckets[AR_DB_BUCKETS], uint64_t *count, uint64_t *sum_ns);
/* Figures an operator watches: {log_size, checkpoint_time (POSIX seconds of the latest
 * stored checkpoint, 0 when none), withheld, withheld_past_end (entries still withheld on
 * or after their end date, given today's date YYYY-MM-DD — must stay 0),
 * rbi_overdue (cases waiting for authorisation past their deadline, given now),
 * mail_waiting and mail_failed (e-mail notices not yet sent, given up)}. */
int ar_store_ops_figures(struct ar_store *s, const char *today, long long now, json_t **out);
/* 0 when the database answers a query. */
int ar_store_ping(struct ar_store *s);
/* What happened to registrations, from the transparency log: leaves of kind "version"
 * and "publication" with log index >= from (ascending; at most limit), or the newest
 * limit of them (descending) when newest is set; only organisation org's when org is
 * given. Each item: {index, leaf (the leaf's JSON), id, version, name, organization
 * {slug, name}} with the name of that version as the public sees it. */
int ar_store_changes(struct ar_store *s, long long from, const char *org, int limit, int newest,
                     json_t **out);
/* Fold the write-ahead log into the database file (at shutdown, before a backup). */
int ar_store_flush(struct ar_store *s);

#endif
