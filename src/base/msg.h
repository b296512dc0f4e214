/* msg.h — the server's and the tools' own log lines: errors, warnings and notices.
 *
 * One function writes them all so an operator chooses the form once: plain text on
 * stderr ("algoreg: ..."; the default, and what a person at a terminal reads), one JSON
 * object per line (for a log shipper), or journald fields with a priority when running
 * under systemd. Messages never carry secrets or withheld content: callers pass names,
 * ids and counts, never request bodies. */
#ifndef AR_BASE_MSG_H
#define AR_BASE_MSG_H

/* syslog priorities, as journald reads them */
enum { AR_MSG_ERR = 3, AR_MSG_WARNING = 4, AR_MSG_NOTICE = 5, AR_MSG_INFO = 6 };

enum ar_msg_format { AR_MSG_TEXT, AR_MSG_JSON, AR_MSG_JOURNAL };

/* "text", "json", "journal" or "auto" (journal when stderr is connected to journald,
 * else text) into *f; AR_EINVAL for anything else. */
int ar_msg_format_parse(const char *name, enum ar_msg_format *f);
void ar_msg_set_format(enum ar_msg_format f);
enum ar_msg_format ar_msg_get_format(void);
/* Is stderr the journal's stream (systemd sets JOURNAL_STREAM to its device:inode)? */
int ar_msg_on_journal(void);

/* One line at a priority. Thread-safe; a line is never interleaved with another. */
void ar_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
