/* notice.c — what each notice says and to whom (queued in the caller's transaction),
 * and sending the outbox with libcurl's SMTP. See notice.h for the rules. */
#include "notice/notice.h"

#include "auth/auth.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/msg.h"
#include "base/secret.h"
#include "json/json.h"
#include "store/store.h"

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ar_notice_cfg_set(struct ar_notice_cfg *c, const char *url, const char *from,
                      const char *credentials, const char *base, char *why, size_t whylen)
{
    memset(c, 0, sizeof *c);
    c->timeout = 30;
    int tls = url && !strncmp(url, "smtps://", 8);
    if (!url || (!tls && strncmp(url, "smtp://", 7)) || strlen(url) >= sizeof c->url ||
        strpbrk(url, " \r\n")) {
        snprintf(why, whylen, "the relay is smtp://HOST[:PORT] or smtps://HOST[:PORT]");
        return AR_EINVAL;
    }
    snprintf(c->url, sizeof c->url, "%s", url);
    if (!from || !ar_auth_email_ok(from)) {
        snprintf(why, whylen,
                 "the sender (mail-from) is an e-mail address like register@example.org");
        return AR_EINVAL;
    }
    snprintf(c->from, sizeof c->from, "%s", from);
    if (!base || (strncmp(base, "http://", 7) && strncmp(base, "https://", 8)) ||
        strlen(base) >= sizeof c->base || strpbrk(base, " \r\n<>\"")) {
        snprintf(why, whylen, "the register's address (public-url) is http(s)://HOST[/PATH]");
        return AR_EINVAL;
    }
    snprintf(c->base, sizeof c->base, "%s", base);
    size_t n = strlen(c->base);
    while (n > 0 && c->base[n - 1] == '/')
        c->base[--n] = '\0';
    if (credentials) {
        char line[400];
        if (ar_secret_read_text(credentials, "smtp credentials", line, sizeof line)) {
            snprintf(why, whylen, "the credentials file cannot be used (see above)");
            return AR_EINVAL;
        }
        char *colon = strchr(line, ':');
        if (!colon || colon == line || !colon[1] || (size_t)(colon - line) >= sizeof c->user ||
            strlen(colon + 1) >= sizeof c->password) {
            sodium_memzero(line, sizeof line);
            snprintf(why, whylen, "the credentials file holds one line USER:PASSWORD");
            return AR_EINVAL;
        }
        memcpy(c->user, line, (size_t)(colon - line));
        memcpy(c->password, colon + 1, strlen(colon + 1));
        sodium_memzero(line, sizeof line);
    }
    return 0;
}

/* The relay is on this machine: a connection that never leaves it needs no TLS. */
static int loopback(const char *url)
{
    const char *h = strstr(url, "://") + 3;
    return !strncmp(h, "127.", 4) || !strncmp(h, "localhost", 9) || !strncmp(h, "[::1]", 5);
}

/* ---- queueing ------------------------------------------------------------------------ */

struct msg {
    const char *kind, *link, *once_prefix;
    char subject[200];
    char body[1500];
};

__attribute__((format(printf, 3, 4))) static void put(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

/* One message to each recipient (a {name, email} array, consumed); once: a reminder's
 * key, to which the account's name is added. *made (when given) counts the messages
 * written (a reminder already made is not). */
static int queue(struct ar_store *s, const struct msg *m, json_t *to, const char *once, int *made)
{
    char now[32], key[300];
    time_t t = ar_clock_now();
    ar_clock_fmt(now, sizeof now, t);
    size_t i;
    json_t *r;
    int rc = 0;
    json_array_foreach (to, i, r) {
        if (once)
            snprintf(key, sizeof key, "%s:%s", once, ar_json_str(r, "name"));
        struct ar_outbox_write w = {now,
                                    m->kind,
                                    ar_json_str(r, "name"),
                                    ar_json_str(r, "email"),
                                    m->subject,
                                    m->body,
                                    m->link,
                                    once ? key : NULL,
                                    (long long)t};
        int added = 0;
        if ((rc = ar_store_outbox_add(s, &w, &added)))
            break;
        if (made)
            *made += added;
    }
    json_decref(to);
    return rc;
}

/* Account name as a recipient list in *to (empty when it has no address, is disabled,
 * does not exist — a service token's name — or, with role, has another role). */
static int one_recipient(struct ar_store *s, const char *name, const char *role, json_t **to)
{
    json_t *a = NULL;
    *to = json_array();
    int rc = name ? ar_store_acct_get(s, name, &a) : AR_ENOTFOUND;
    const char *email = rc ? NULL : ar_json_str(a, "email");
    if (email && !json_integer_value(json_object_get(a, "disabled")) &&
        (!role || !strcmp(ar_json_str(a, "role"), role)))
        json_array_append_new(*to, json_pack("{s:s, s:s}", "name", name, "email", email));
    json_decref(a);
    return rc == AR_ENOTFOUND ? 0 : rc;
}

static const char *org_name(struct ar_store *s, const char *slug, char *out, size_t n)
{
    json_t *o = NULL;
    snprintf(out, n, "%s", slug ? slug : "");
    if (slug && ar_store_org_get(s, slug, &o) == 0)
        snprintf(out, n, "%s", ar_json_str(o, "name"));
    json_decref(o);
    return out;
}

static const char *FOOTER_NL = "\n\nU krijgt dit bericht omdat uw account in het algoritmeregister"
                               " dit e-mailadres heeft.";
static const char *FOOTER_EN =
    "\n\nYou get this message because your account in the algorithm register has this"
    " e-mail address.";

int ar_notice_draft_submitted(struct ar_store *s, long long draft, const char *org,
                              const char *author, const char *lars)
{
    json_t *to = NULL;
    int rc = ar_store_acct_recipients(s, "approver", org, author, &to);
    if (rc || !json_array_size(to)) {
        json_decref(to);
        return rc;
    }
    struct msg m = {.kind = "draft_submitted"};
    char link[64], reg_nl[40] = "een nieuwe registratie", reg_en[40] = "a new registration";
    snprintf(link, sizeof link, "/workspace/drafts/%lld", draft);
    m.link = link;
    if (lars && *lars) {
        snprintf(reg_nl, sizeof reg_nl, "registratie %s", lars);
        snprintf(reg_en, sizeof reg_en, "registration %s", lars);
    }
    put(m.subject, sizeof m.subject,
        "Concept %lld wacht op goedkeuring / Draft %lld awaits approval", draft, draft);
    put(m.body, sizeof m.body,
        "Concept %lld (%s) is ingediend door %s en wacht op goedkeuring door een andere"
        " goedkeurder van uw organisatie.%s\n\n"
        "Draft %lld (%s) was submitted by %s and waits for approval by another approver of your"
        " organisation.%s",
        draft, reg_nl, author, FOOTER_NL, draft, reg_en, author, FOOTER_EN);
    return queue(s, &m, to, NULL, NULL);
}

int ar_notice_draft_decided(struct ar_store *s, long long draft, const char *author, const char *by,
                            const char *state, const char *lars)
{
    json_t *to = NULL;
    if (!author || !by || !strcmp(author, by))
        return 0;
    int rc = one_recipient(s, author, NULL, &to);
    if (rc || !json_array_size(to)) {
        json_decref(to);
        return rc;
    }
    static const struct {
        const char *state, *nl, *en;
    } words[] = {{"approved", "goedgekeurd en gepubliceerd", "approved and published"},
                 {"rejected", "afgewezen", "rejected"},
                 {"archived", "gearchiveerd", "archived"}};
    const char *nl = state, *en = state;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(words[i].state, state))
            nl = words[i].nl, en = words[i].en;
    struct msg m = {.kind = "draft_decided"};
    char link[64];
    snprintf(link, sizeof link, "/workspace/drafts/%lld", draft);
    m.link = link;
    put(m.subject, sizeof m.subject, "Concept %lld: %s / Draft %lld: %s", draft, state, draft,
        state);
    put(m.body, sizeof m.body,
        "Uw concept %lld%s%s is %s door %s. De pagina van het concept noemt de reden.%s\n\n"
        "Your draft %lld%s%s was %s by %s. The draft's page gives the reason.%s",
        draft, lars && *lars ? " van registratie " : "", lars ? lars : "", nl, by, FOOTER_NL, draft,
        lars && *lars ? " of registration " : "", lars ? lars : "", en, by, FOOTER_EN);
    return queue(s, &m, to, NULL, NULL);
}

int ar_notice_extension_requested(struct ar_store *s, const char *lars, const char *org,
                                  const char *until, const char *requested_until)
{
    json_t *to = NULL;
    int rc = ar_store_acct_recipients(s, "supervisor", NULL, NULL, &to);
    if (rc || !json_array_size(to)) {
        json_decref(to);
        return rc;
    }
    char link[64], oname[160];
    snprintf(link, sizeof link, "/supervision/%s", lars);
    org_name(s, org, oname, sizeof oname);
    struct msg m = {.kind = "extension_requested", .link = link};
    put(m.subject, sizeof m.subject,
        "Verlenging gevraagd voor registratie %s / Extension requested for registration %s", lars,
        lars);
    put(m.body, sizeof m.body,
        "%s vraagt de achterhouding van registratie %s te verlengen van %s tot %s. Beslis vóór"
        " de einddatum %s.%s\n\n"
        "%s asks to extend the withholding of registration %s from %s to %s. Decide before the"
        " end date %s.%s",
        oname, lars, until, requested_until, until, FOOTER_NL, oname, lars, until, requested_until,
        until, FOOTER_EN);
    return queue(s, &m, to, NULL, NULL);
}

int ar_notice_rbi_requested(struct ar_store *s, long long case_id, const char *kind,
                            const char *org, const char *authority, int urgent, const char *started)
{
    json_t *to = NULL;
    int rc = authority && *authority
                 ? one_recipient(s, authority, "authorising_authority", &to)
                 : ar_store_acct_recipients(s, "authorising_authority", NULL, NULL, &to);
    if (rc || !json_array_size(to)) {
        json_decref(to);
        return rc;
    }
    char link[64], oname[160], since_nl[80] = "", since_en[80] = "";
    snprintf(link, sizeof link, "/authority/cases/%lld", case_id);
    org_name(s, org, oname, sizeof oname);
    int rt = kind && !strcmp(kind, "realtime");
    if (urgent && started && *started) {
        snprintf(since_nl, sizeof since_nl, " Het gebruik is al begonnen op %s.", started);
        snprintf(since_en, sizeof since_en, " The use already started at %s.", started);
    }
    struct msg m = {.kind = "rbi_requested", .link = link};
    put(m.subject, sizeof m.subject,
        "%sVerzoek om toestemming, zaak %lld / %sAuthorisation request, case %lld",
        urgent ? "SPOED: " : "", case_id, urgent ? "URGENT: " : "", case_id);
    put(m.body, sizeof m.body,
        "%s vraagt toestemming voor %s biometrische identificatie op afstand (zaak %lld).%s"
        " Beslis zonder onnodige vertraging (%s).%s\n\n"
        "%s asks authorisation for %s remote biometric identification (case %lld).%s Decide"
        " without undue delay (%s).%s",
        oname, rt ? "real-time" : "achteraf (post)", case_id, since_nl,
        rt ? "art. 5, lid 3, AI-verordening" : "art. 26, lid 10, AI-verordening", FOOTER_NL, oname,
        rt ? "real-time" : "post", case_id, since_en,
        rt ? "Art. 5(3) AI Act" : "Art. 26(10) AI Act", FOOTER_EN);
    return queue(s, &m, to, NULL, NULL);
}

int ar_notice_rbi_decided(struct ar_store *s, long long case_id, const char *to_name,
                          const char *decision)
{
    json_t *to = NULL;
    int rc = one_recipient(s, to_name, NULL, &to);
    if (rc || !json_array_size(to)) {
        json_decref(to);
        return rc;
    }
    int granted = !strcmp(decision, "grant");
    char link[64];
    snprintf(link, sizeof link, "/workspace/cases/%lld", case_id);
    struct msg m = {.kind = "rbi_decided", .link = link};
    int revoked = !strcmp(decision, "revoke");
    put(m.subject, sizeof m.subject, "Zaak %lld: %s / Case %lld: %s", case_id,
        granted   ? "toestemming verleend"
        : revoked ? "toestemming ingetrokken"
                  : "toestemming geweigerd",
        case_id,
        granted   ? "authorised"
        : revoked ? "authorisation revoked"
                  : "refused");
    put(m.body, sizeof m.body,
        granted ? "De autoriteit heeft het gebruik in zaak %lld toegestaan. Zie de zaak voor het"
                  " tijdvak en de voorwaarden.%s\n\n"
                  "The authority authorised the use in case %lld. See the case for the window and"
                  " the conditions.%s"
                : "De autoriteit heeft toestemming voor zaak %lld geweigerd: stop het gebruik"
                  " direct en verwijder alle gegevens en resultaten (art. 5, lid 3, en art. 26,"
                  " lid 10, AI-verordening), en bevestig dat op de pagina van de zaak.%s\n\n"
                  "The authority refused case %lld: stop the use at once, delete all data and"
                  " results (Art. 5(3), Art. 26(10) AI Act) and confirm it on the case's page.%s",
        case_id, FOOTER_NL, case_id, FOOTER_EN);
    return queue(s, &m, to, NULL, NULL);
}

int ar_notice_due_soon(struct ar_store *s, int *queued)
{
    json_t *all = NULL, *w;
    size_t i;
    time_t now = ar_clock_now();
    char today[11], horizon[11], ts[32];
    ar_clock_fmt(ts, sizeof ts, now);
    memcpy(today, ts, 10), today[10] = '\0';
    ar_clock_fmt(ts, sizeof ts, now + (time_t)AR_NOTICE_DUE_DAYS * 86400);
    memcpy(horizon, ts, 10), horizon[10] = '\0';
    *queued = 0;
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    if ((rc = ar_store_wh_all(s, &all)))
        goto out;
    json_array_foreach (all, i, w) {
        const char *until = ar_json_str(w, "until"), *lars = ar_json_str(w, "id");
        const char *org = ar_json_str(w, "organization");
        if (strcmp(ar_json_str(w, "state"), "withheld") || !until || strcmp(until, today) < 0 ||
            strcmp(until, horizon) > 0)
            continue;
        json_t *eds = NULL, *apps = NULL;
        if ((rc = ar_store_acct_recipients(s, "registrant", org, NULL, &eds)) ||
            (rc = ar_store_acct_recipients(s, "approver", org, NULL, &apps))) {
            json_decref(eds);
            goto out;
        }
        json_array_extend(eds, apps);
        json_decref(apps);
        time_t end = 0;
        char at[32];
        snprintf(at, sizeof at, "%sT00:00:00Z", until);
        ar_clock_parse(&end, at);
        long days = (long)((end - now + 86399) / 86400);
        char link[80], once[64];
        snprintf(link, sizeof link, "/workspace/registrations/%s/withholding", lars);
        snprintf(once, sizeof once, "end:%s:%s", lars, until);
        struct msg m = {.kind = "end_date_soon", .link = link};
        put(m.subject, sizeof m.subject,
            "Registratie %s wordt op %s gepubliceerd / Registration %s is published on %s", lars,
            until, lars, until);
        put(m.body, sizeof m.body,
            "De achterhouding van registratie %s eindigt op %s (over %ld dagen). Dan wordt de"
            " registratie gepubliceerd, tenzij de toezichthouder vóór die datum een verlenging"
            " toestaat. Sluit het onderzoek af of vraag tijdig een verlenging aan.%s\n\n"
            "The withholding of registration %s ends on %s (in %ld days). The registration is"
            " then published, unless the supervisor grants an extension before that date."
            " Close the investigation or request an extension in time.%s",
            lars, until, days, FOOTER_NL, lars, until, days, FOOTER_EN);
        if ((rc = queue(s, &m, eds, once, queued)))
            goto out;
    }
    rc = ar_store_commit(s);
out:
    if (rc)
        ar_store_rollback(s);
    json_decref(all);
    return rc;
}

/* ---- sending ---------------------------------------------------------------------------- */

/* The message as libcurl sends it: headers and one quoted-printable UTF-8 text part. */
static int send_one(CURL *h, const struct ar_notice_cfg *c, const json_t *m, char *err,
                    size_t errlen, long *code)
{
    char from[300], to[300], subject[260], date[64], msgid[128], rcpt_addr[260];
    const char *addr = ar_json_str(m, "address");
    if (!addr || !ar_auth_email_ok(addr)) {
        snprintf(err, errlen, "the account's address is not usable");
        *code = 550;
        return -1;
    }
    time_t now = ar_clock_now();
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "Date: %a, %d %b %Y %H:%M:%S +0000", &tm);
    unsigned char rnd[8];
    char hex[17];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(msgid, sizeof msgid, "Message-ID: <%lld.%s@%s>",
             (long long)json_integer_value(json_object_get(m, "id")), hex,
             strchr(c->from, '@') + 1);
    snprintf(from, sizeof from, "From: Algoritmeregister <%s>", c->from);
    snprintf(to, sizeof to, "To: <%s>", addr);
    snprintf(subject, sizeof subject, "Subject: %s", ar_json_str(m, "subject"));
    snprintf(rcpt_addr, sizeof rcpt_addr, "<%s>", addr);
    char *text = NULL;
    if (asprintf(&text, "%s\n\n%s%s\n", ar_json_str(m, "body"), c->base, ar_json_str(m, "link")) <
        0)
        return -1;
    struct curl_slist *hdr = NULL, *rcpt = NULL;
    hdr = curl_slist_append(hdr, date);
    hdr = curl_slist_append(hdr, from);
    hdr = curl_slist_append(hdr, to);
    hdr = curl_slist_append(hdr, subject);
    hdr = curl_slist_append(hdr, msgid);
    hdr = curl_slist_append(hdr, "Auto-Submitted: auto-generated");
    rcpt = curl_slist_append(rcpt, rcpt_addr);
    curl_mime *mime = curl_mime_init(h);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_data(part, text, CURL_ZERO_TERMINATED);
    curl_mime_type(part, "text/plain; charset=utf-8");
    curl_mime_encoder(part, "quoted-printable");
    char sender[300];
    snprintf(sender, sizeof sender, "<%s>", c->from);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, sender);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
    err[0] = '\0';
    CURLcode r = curl_easy_perform(h);
    *code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, code);
    if (r != CURLE_OK && !err[0])
        snprintf(err, errlen, "%s", curl_easy_strerror(r));
    curl_easy_setopt(h, CURLOPT_MIMEPOST, NULL);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
    curl_mime_free(mime);
    curl_slist_free_all(hdr);
    curl_slist_free_all(rcpt);
    free(text);
    return r == CURLE_OK ? 0 : -1;
}

int ar_notice_send(struct ar_store *s, const struct ar_notice_cfg *c, int *sent, int *failed)
{
    json_t *batch = NULL, *m;
    size_t i;
    time_t now = ar_clock_now();
    *sent = *failed = 0;
    /* the lease outlasts the batch's worst case, so a second sender never overlaps */
    long long lease = (long long)now + (long long)AR_NOTICE_BATCH * (c->timeout + 5);
    int rc = ar_store_begin(s);
    if (rc)
        return rc;
    if ((rc = ar_store_outbox_take(s, (long long)now, lease, AR_NOTICE_BATCH, &batch)) ||
        (rc = ar_store_commit(s))) {
        ar_store_rollback(s);
        json_decref(batch);
        return rc;
    }
    if (!json_array_size(batch)) {
        json_decref(batch);
        return 0;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        json_decref(batch);
        return AR_EIO;
    }
    char err[CURL_ERROR_SIZE];
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     loopback(c->url) ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
    if (c->user[0]) {
        curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
    }
    json_array_foreach (batch, i, m) {
        long code = 0;
        char at[32];
        int ok = send_one(h, c, m, err, sizeof err, &code) == 0;
        long long id = json_integer_value(json_object_get(m, "id"));
        int attempts = (int)json_integer_value(json_object_get(m, "attempts")) + 1;
        time_t t = ar_clock_now();
        ar_clock_fmt(at, sizeof at, t);
        int give_up = !ok && ((code >= 500 && code < 600) || attempts >= AR_NOTICE_ATTEMPTS);
        long long wait = 60LL << (attempts < 20 ? attempts - 1 : 19);
        if (wait > 6 * 3600)
            wait = 6 * 3600;
        char why[CURL_ERROR_SIZE + 32];
        if (!ok)
            snprintf(why, sizeof why, "%s%s%ld", err, code ? ": relay answered " : "", code);
        if (!ok && !code)
            snprintf(why, sizeof why, "%s", err);
        int wrc = ar_store_outbox_result(s, id, at, ok ? NULL : why, (long long)t + wait, give_up);
        if (wrc)
            rc = wrc;
        if (ok)
            ++*sent;
        else {
            ++*failed;
            ar_msg(AR_MSG_WARNING, "mail: message %lld to %s: %s%s", id, ar_json_str(m, "account"),
                   why, give_up ? " (given up)" : " (will retry)");
        }
    }
    curl_easy_cleanup(h);
    json_decref(batch);
    return rc;
}

int ar_notice_purge(struct ar_store *s)
{
    char before[32];
    int n = 0;
    ar_clock_fmt(before, sizeof before, ar_clock_now() - 30 * 86400);
    return ar_store_outbox_purge(s, before, &n);
}
