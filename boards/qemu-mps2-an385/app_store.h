/*
 * app_store.h -- the firmware's storage through semihosting: the host
 * files fw/state-NAME, relative to where QEMU runs.  A product replaces
 * this file with flash storage (DESIGN.md 4b: two slots per blob set and
 * a commit record); the contract is port.h's load/store/stage/commit.
 *
 * store() writes fw/state-NAME.tmp and renames it over fw/state-NAME
 * (the host's rename(2) is atomic).  The certificate pair is one set in
 * generations: stage() writes fw/state-NAME.s; commit() renames each to
 * fw/state-NAME.N+1 and then writes N+1 into fw/state-gen (a temp file
 * renamed over it): that rename is the commit point, before it load()
 * reads generation N, after it N+1; the old generation is removed last.
 * load() and load_at() read fw/state-NAME.N for the current N, else
 * fw/state-NAME.
 * There is one set: a commit replaces all of it, so every commit must
 * stage all its names (core commits cert.pem and cert.key together, and
 * nothing else; port/posix carries unstaged names over, this does not).
 */
#ifndef APP_STORE_H
#define APP_STORE_H

#include "port.h"

/* Set port's load, load_at, store, stage, commit and discard. */
void app_store_init(struct acme_port *port);

#endif
