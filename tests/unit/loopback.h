/*
 * loopback.h -- TCP on 127.0.0.1 for the unit tests that drive a
 * responder over real sockets (test_http01.c, test_tlsalpn01.c).
 */
#ifndef LOOPBACK_H
#define LOOPBACK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds. */
long loopback_ms(void);

/* A TCP port on 127.0.0.1 that nobody uses right now, 0 on error. */
uint16_t loopback_free_port(void);

/* A blocking TCP connection to 127.0.0.1:port, or -1. */
int loopback_connect(uint16_t port);

#endif
