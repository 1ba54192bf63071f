/*
 * uart.c -- see uart.h.
 */
#include "uart.h"

#define UART0_BASE      0x40004000u
#define UART_DATA       (*(volatile uint32_t *)(UART0_BASE + 0x00))
#define UART_STATE      (*(volatile uint32_t *)(UART0_BASE + 0x04))
#define UART_CTRL       (*(volatile uint32_t *)(UART0_BASE + 0x08))
#define UART_BAUDDIV    (*(volatile uint32_t *)(UART0_BASE + 0x10))

#define UART_STATE_TXFULL 0x1u
#define UART_CTRL_TXEN  0x1u
#define UART_PCLK_HZ    25000000u

void
uart_init(void)
{
	UART_BAUDDIV = UART_PCLK_HZ / 115200u;
	UART_CTRL = UART_CTRL_TXEN;
}

void
uart_putc(char c)
{
	while (UART_STATE & UART_STATE_TXFULL)
		;
	UART_DATA = (uint8_t)c;
}

void
uart_puts(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s);
	}
}

void
uart_write(const char *s, unsigned len)
{
	while (len-- > 0)
		uart_putc(*s++);
}

void
uart_dec(uint32_t v)
{
	char buf[10];
	unsigned n = 0;

	do {
		buf[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		uart_putc(buf[--n]);
}

void
uart_hex(uint32_t v, unsigned digits)
{
	static const char hex[] = "0123456789abcdef";

	if (digits < 1)
		digits = 1;
	if (digits > 8)
		digits = 8;
	while (digits-- > 0)
		uart_putc(hex[(v >> (4 * digits)) & 0xf]);
}

void
uart_ip4(const void *addr4)
{
	const uint8_t *a = addr4;
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0)
			uart_putc('.');
		uart_dec(a[i]);
	}
}
