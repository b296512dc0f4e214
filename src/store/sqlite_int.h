/* sqlite_int.h — shared between the SQLite store's files; not part of the contract. */
#ifndef AR_STORE_SQLITE_INT_H
#define AR_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "store/store.h"

sqlite3 *ar_sqlite_db(struct ar_store *s);

#endif
