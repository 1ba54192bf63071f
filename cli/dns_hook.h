/*
 * dns_hook.h -- the picoacme command's dns-01 hook: an external command
 * that publishes and withdraws the TXT records (acme.h, dns01_hook).
 *
 * The command (--dns-hook CMD) is run through /bin/sh as
 *	CMD add NAME VALUE      publish TXT VALUE at NAME
 *	CMD remove NAME VALUE   withdraw it
 * with NAME the "_acme-challenge." name (no trailing dot) and VALUE the
 * record's text, passed as separate arguments ("$1" "$2" "$3"), never
 * pasted into the command line.  Its exit status: 0 done (for add: the
 * record is in place at the DNS servers the CA asks), 75 (EX_TEMPFAIL)
 * not yet: it is run again with the same arguments a second later, up
 * to the validation time bound; anything else, or running longer than
 * DNS_HOOK_TIMEOUT_S, is a failure (the command is killed).  Its output
 * goes to picoacme's stdout and stderr.
 */
#ifndef DNS_HOOK_H
#define DNS_HOOK_H

#define DNS_HOOK_TIMEOUT_S 120

/* acme_config.dns01_hook; ctx is the command (a string). */
int dns_hook_run(void *ctx, int op, const char *name, const char *value);

#endif
