/*
 * fake_listen.c -- see fake_listen.h.
 */
#include <stdio.h>
#include <string.h>
#include "fake_listen.h"

void
fl_init(struct fl *f, void *conns, size_t stride, unsigned max)
{
	memset(f, 0, sizeof *f);
	f->conns = conns;
	f->stride = stride;
	f->max = max;
}

struct fl_conn *
fl_at(const struct fl *f, unsigned i)
{
	return (struct fl_conn *)(void *)(f->conns + (size_t)i * f->stride);
}

int
fl_add(struct fl *f, uint64_t at)
{
	struct fl_conn *c;

	if (f->n == f->max) {
		fl_bad(f, "case has too many connections", -1);
		return -1;
	}
	c = fl_at(f, f->n);
	c->at = at;
	c->state = FL_PENDING;
	return (int)f->n++;
}

void
fl_bad(struct fl *f, const char *what, int h)
{
	if (f->bad++ == 0)
		snprintf(f->why, sizeof f->why, "%s (handle %d, %llu ms)",
		    what, h, (unsigned long long)f->now);
}

struct fl_conn *
fl_conn(struct fl *f, int h, const char *what)
{
	int i = h - FL_H0;

	if (i < 0 || i >= (int)f->n || fl_at(f, (unsigned)i)->state !=
	    FL_OPEN) {
		fl_bad(f, what, h);
		return NULL;
	}
	return fl_at(f, (unsigned)i);
}

static void
fl_close(void *ctx, int h)
{
	struct fl *f = ctx;
	struct fl_conn *c;

	f->calls++;
	if (h == FL_LISTEN) {
		if (!f->listening)
			fl_bad(f, "listener closed twice", h);
		f->listening = 0;
		f->closes++;
		return;
	}
	if ((c = fl_conn(f, h, "close() of a handle not open")) == NULL)
		return;
	c->state = FL_CLOSED;
	c->closed_at = f->now;
	f->closes++;
}

static int
fl_listen(void *ctx, uint16_t port)
{
	struct fl *f = ctx;

	(void)port;
	f->calls++;
	if (f->listening)
		fl_bad(f, "listen() while listening", FL_LISTEN);
	f->listening = 1;
	f->listens++;
	return FL_LISTEN;
}

/* The connection that has waited longest, -2 when none is waiting. */
static int
fl_accept(void *ctx, int lh)
{
	struct fl *f = ctx;
	struct fl_conn *c, *best = NULL;
	unsigned i, bi = 0;

	f->calls++;
	if (lh != FL_LISTEN || !f->listening) {
		fl_bad(f, "accept() not on the listener", lh);
		return -1;
	}
	for (i = 0; i < f->n; i++) {
		c = fl_at(f, i);
		if (c->state == FL_PENDING && c->at <= f->now &&
		    (best == NULL || c->at < best->at)) {
			best = c;
			bi = i;
		}
	}
	if (best == NULL)
		return -2;
	best->state = FL_OPEN;
	f->accepts++;
	return FL_H0 + (int)bi;
}

static uint64_t
fl_now_ms(void *ctx)
{
	return ((struct fl *)ctx)->now;
}

void
fl_port(struct acme_port *p, struct fl *f)
{
	memset(p, 0, sizeof *p);
	p->ctx = f;
	p->close = fl_close;
	p->listen = fl_listen;
	p->accept = fl_accept;
	p->now_ms = fl_now_ms;
}

struct fl_mark
fl_mark(const struct fl *f)
{
	struct fl_mark m;

	m.calls = f->calls;
	m.accepts = f->accepts;
	m.now = f->now;
	return m;
}

void
fl_measure(struct fl *f, struct fl_mark m)
{
	if (f->calls - m.calls > f->max_calls)
		f->max_calls = f->calls - m.calls;
	if (f->accepts - m.accepts > f->max_accepts)
		f->max_accepts = f->accepts - m.accepts;
	if (f->now - m.now > f->max_poll)
		f->max_poll = f->now - m.now;
}

const char *
fl_verdict(struct fl *f, unsigned max_calls, unsigned max_accepts)
{
	if (f->closes != f->listens + f->accepts || f->listening)
		snprintf(f->verdict, sizeof f->verdict, "%u listens + %u "
		    "accepts, %u closes%s", f->listens, f->accepts, f->closes,
		    f->listening ? ", still listening" : "");
	else if (f->bad != 0)
		snprintf(f->verdict, sizeof f->verdict, "%u port contract "
		    "breaches, first: %s", f->bad, f->why);
	else if (f->max_calls > max_calls)
		snprintf(f->verdict, sizeof f->verdict, "%u port calls in one "
		    "poll", f->max_calls);
	else if (f->max_accepts > max_accepts)
		snprintf(f->verdict, sizeof f->verdict, "%u accepts in one "
		    "poll", f->max_accepts);
	else
		return NULL;
	return f->verdict;
}
