/*
 * uart.h -- CMSDK APB UART0 of the MPS2 AN385 (0x40004000), transmit
 * only, polled.  QEMU puts it on the -serial chardev.  No printf: numbers
 * go out through uart_dec() and uart_hex(), so newlib's stdio is never
 * linked.
 */
#ifndef UART_H
#define UART_H

#include <stdint.h>

/* Enable the transmitter at 115200 baud from the 25 MHz APB clock. */
void uart_init(void);

void uart_putc(char c);
/* A NUL-terminated string; "\n" goes out as "\r\n". */
void uart_puts(const char *s);
/* len bytes, unchanged. */
void uart_write(const char *s, unsigned len);
/* v in decimal. */
void uart_dec(uint32_t v);
/* v in hexadecimal, digits wide (1..8), zero-padded, no "0x". */
void uart_hex(uint32_t v, unsigned digits);
/* The four octets of an IPv4 address in network byte order, dotted. */
void uart_ip4(const void *addr4);

#endif
