-- 0011: e-mail notices (issue 10).
--
-- An account may have an e-mail address for notices; nothing public shows it.
ALTER TABLE accounts ADD COLUMN email TEXT;
-- Messages waiting to be sent through the SMTP relay. A row is written in the same
-- transaction as the event it tells of (a draft submitted, an extension requested, …),
-- so a notice is never sent for something that was rolled back, nor lost for something
-- that happened. Sent rows are kept for 30 days as evidence, then deleted. No message
-- holds withheld content: only what the recipient's role may see anyway and a link.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL,
    kind TEXT NOT NULL,                 -- draft_submitted, draft_decided, extension_requested,
                                        -- rbi_requested, end_date_soon
    account TEXT NOT NULL,              -- the recipient's account name
    address TEXT NOT NULL,              -- its e-mail address when the message was made
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,                 -- the page it is about (path); the sender adds the
                                        -- register's address
    once TEXT UNIQUE,                   -- a reminder's key: it is made once (NULL: no key)
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try INTEGER NOT NULL,          -- POSIX seconds; a sender leases a row by moving it
    sent TEXT,                          -- when the relay took it
    failed TEXT,                        -- when sending was given up
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox(next_try) WHERE sent IS NULL AND failed IS NULL;
