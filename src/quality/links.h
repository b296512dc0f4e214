/* links.h — link monitoring: every URL in the latest public versions (URL fields, link
 * lists, links inside rich text) is checked with bounded concurrency (in total and per
 * host), timeouts and exponential back-off for failing links, and each check is kept in
 * a history. Two failures in a row make a link broken; pages show it to the owning
 * organisation and count it on its page. */
#ifndef AR_QUALITY_LINKS_H
#define AR_QUALITY_LINKS_H

#include "store/store.h"

struct ar_links_cfg {
    int concurrency; /* requests at once (default 16) */
    int per_host;    /* at once per host (default 4) */
    long timeout;    /* seconds per request (default 10) */
    int limit;       /* URLs per run at most (default 200,000) */
};

/* Rebuild where each URL stands from the latest versions, then check every URL whose
 * next check has come. *checked and *broken count this run. Only a storage error fails. */
int ar_links_run(struct ar_store *s, const struct ar_links_cfg *cfg, int *checked, int *broken);

#endif
