/*
 * fake_listen.h -- the listening half of a scripted fake port, shared by
 * the responder tests (test_http01.c, test_tlsalpn01.c): a fake clock,
 * connections that arrive at set times and are accepted oldest first,
 * close(), and the bookkeeping of the port contract (port calls, the
 * most in one poll, breaches: a handle that is not open, a listener
 * closed twice, an accept() not on the listener).  The test plays the
 * peers in its own recv() and send(), which find their connection with
 * fl_conn() and count themselves in calls.
 *
 * The test's connections are an array of its own struct, each beginning
 * with a struct fl_conn; the test's port state begins with a struct fl,
 * which is the port's ctx.
 */
#ifndef FAKE_LISTEN_H
#define FAKE_LISTEN_H

#include <stddef.h>
#include <stdint.h>
#include "port.h"

enum { FL_PENDING = 0, FL_OPEN, FL_CLOSED };

#define FL_LISTEN 50            /* the listener's handle */
#define FL_H0 100               /* connection i is handle FL_H0 + i */

struct fl_conn {
	uint64_t at;            /* connects (fake ms) */
	uint64_t closed_at;
	unsigned char state;    /* FL_PENDING, FL_OPEN, FL_CLOSED */
};

struct fl {
	uint64_t now;                /* the fake clock (ms) */
	int listening;
	unsigned listens, accepts, closes;
	unsigned calls, max_calls;   /* port calls; the most in one poll */
	unsigned max_accepts;        /* the most accepts in one poll */
	uint64_t max_poll;           /* the most fake ms one poll took */
	unsigned bad;                /* contract breaches */
	char why[200];               /* ... the first one */
	char verdict[320];           /* fl_verdict()'s */
	unsigned n, max;             /* connections, room for */
	unsigned char *conns;        /* the test's array */
	size_t stride;               /* ... its element size */
};

/* Where a poll began (fl_measure()). */
struct fl_mark {
	unsigned calls, accepts;
	uint64_t now;
};

/* Empty f (clock 0, not listening) over the test's array of max
 * connections of stride bytes each. */
void fl_init(struct fl *f, void *conns, size_t stride, unsigned max);

/* Connection i. */
struct fl_conn *fl_at(const struct fl *f, unsigned i);

/* Add a connection that arrives at fake time at: its index, or -1 (and a
 * breach) when there is no room. */
int fl_add(struct fl *f, uint64_t at);

/* Count a breach of the port contract; the first is kept in why. */
void fl_bad(struct fl *f, const char *what, int h);

/* The open connection behind handle h, or NULL and a breach (what). */
struct fl_conn *fl_conn(struct fl *f, int h, const char *what);

/* listen, accept, close and now_ms on f; the rest of p is zero. */
void fl_port(struct acme_port *p, struct fl *f);

/* Around one poll: fl_measure(f, fl_mark(f)) keeps its port calls,
 * accepts and fake time in max_calls, max_accepts and max_poll. */
struct fl_mark fl_mark(const struct fl *f);
void fl_measure(struct fl *f, struct fl_mark m);

/* After the responder was stopped: NULL when the port was used as it
 * must be (every handle it gave out closed, the listener too, no breach,
 * at most max_calls port calls and max_accepts accepts in one poll),
 * else what went wrong. */
const char *fl_verdict(struct fl *f, unsigned max_calls,
    unsigned max_accepts);

#endif
