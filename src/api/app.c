/* app.c — write tokens: parsed once, kept only as hashes, compared in constant time. */
#include "api/app.h"
#include "base/buf.h"
#include "base/err.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static int add_one(struct ar_app *app, const char *entry, size_t n)
{
    const char *colon = memchr(entry, ':', n);
    if (!colon || colon == entry || (size_t)(colon - entry) > 64 ||
        n - (size_t)(colon - entry) - 1 < 16) {
        fprintf(stderr, "algoreg: token entries are NAME:TOKEN with a token of at least 16"
                        " characters\n");
        return AR_EINVAL;
    }
    if (app->ntokens >= (int)(sizeof app->tokens / sizeof app->tokens[0])) {
        fprintf(stderr, "algoreg: at most 16 API tokens\n");
        return AR_EINVAL;
    }
    struct ar_token *t = &app->tokens[app->ntokens++];
    size_t tlen = n - (size_t)(colon - entry) - 1;
    const char *role = memchr(colon + 1, ':', tlen);
    static const char *const roles[] = {"registrant",
                                        "supervisor",
                                        "authorising_authority",
                                        "review_committee",
                                        "police_chief",
                                        "prosecutor",
                                        "mayor",
                                        NULL};
    snprintf(t->role, sizeof t->role, "registrant");
    if (role) {
        size_t rlen = tlen - (size_t)(role - colon - 1) - 1;
        int ok = 0;
        for (const char *const *r = roles; *r && !ok; r++)
            if (rlen == strlen(*r) && memcmp(role + 1, *r, rlen) == 0) {
                snprintf(t->role, sizeof t->role, "%s", *r);
                ok = 1;
            }
        if (!ok) {
            fprintf(stderr, "algoreg: a token's role is one of registrant, supervisor,"
                            " authorising_authority, review_committee, police_chief,"
                            " prosecutor, mayor\n");
            app->ntokens--;
            return AR_EINVAL;
        }
        tlen = (size_t)(role - colon - 1);
    }
    t->supervisor = strcmp(t->role, "supervisor") == 0;
    if (tlen < 16) {
        fprintf(stderr, "algoreg: tokens must be at least 16 characters\n");
        app->ntokens--;
        return AR_EINVAL;
    }
    t->name = ar_xstrndup(entry, (size_t)(colon - entry));
    crypto_generichash(t->hash, sizeof t->hash, (const unsigned char *)colon + 1, tlen, NULL, 0);
    return 0;
}

int ar_app_add_tokens(struct ar_app *app, const char *spec)
{
    const char *p = spec;
    while (*p) {
        size_t n = strcspn(p, ",\n");
        size_t m = n;
        while (m && (p[m - 1] == '\r' || p[m - 1] == ' '))
            m--;
        if (m && *p != '#') {
            int rc = add_one(app, p, m);
            if (rc)
                return rc;
        }
        p += n;
        if (*p)
            p++;
    }
    return 0;
}

static const struct ar_token *find_token(const struct ar_app *app, const char *authorization)
{
    if (!authorization || strncmp(authorization, "Bearer ", 7) != 0)
        return NULL;
    const char *tok = authorization + 7;
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)tok, strlen(tok), NULL, 0);
    const struct ar_token *who = NULL;
    for (int i = 0; i < app->ntokens; i++)
        if (sodium_memcmp(h, app->tokens[i].hash, sizeof h) == 0)
            who = &app->tokens[i];
    return who;
}

const char *ar_app_auth_supervisor(const struct ar_app *app, const char *authorization)
{
    const struct ar_token *t = find_token(app, authorization);
    return t && t->supervisor ? t->name : NULL;
}

/* Registry writes: registrants and supervisors (the roles that existed before the AI Act
 * workflows); deciding roles act only on their own routes. */
const char *ar_app_auth(const struct ar_app *app, const char *authorization)
{
    const struct ar_token *t = find_token(app, authorization);
    return t && (strcmp(t->role, "registrant") == 0 || t->supervisor) ? t->name : NULL;
}

const char *ar_app_auth_role(const struct ar_app *app, const char *authorization, const char **role)
{
    const struct ar_token *t = find_token(app, authorization);
    *role = t ? t->role : NULL;
    return t ? t->name : NULL;
}
