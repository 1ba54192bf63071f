/*
 * app_soak.c -- lwIP's heap and pools in use, and the stack peak, for the
 * device-over-time test (app_soak.h).
 */
#include "app_soak.h"
#include "board.h"
#include "uart.h"
#include "lwip/opt.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/priv/tcp_priv.h"

#if !MEM_STATS || !MEMP_STATS
#error "app_soak.c needs lwIP's MEM_STATS and MEMP_STATS (lwipopts.h)"
#endif

/* The pool names, in memp_t order (lwIP keeps them only with
 * LWIP_DEBUG). */
static const char *const soak_pool_name[MEMP_MAX] = {
#define LWIP_MEMPOOL(name, num, size, desc) #name,
#include "lwip/priv/memp_std.h"
};

static unsigned
soak_count(const struct tcp_pcb *p)
{
	unsigned n = 0;

	for (; p != NULL; p = p->next)
		n++;
	return n;
}

uint32_t
soak_settle(uint32_t max_ms)
{
	uint32_t t0 = board_ms();

	while (board_ms() - t0 < max_ms) {
		if (tcp_active_pcbs == NULL &&
		    lwip_stats.memp[MEMP_PBUF_POOL]->used == 0)
			break;
		board_poll_wait(NULL);
	}
	return board_ms() - t0;
}

void
soak_print(const char *label)
{
	int i;

	uart_puts("picoacme-fw: mem ");
	uart_puts(label);
	uart_puts(": heap ");
	uart_dec(lwip_stats.mem.used);
	uart_puts(" (peak ");
	uart_dec(lwip_stats.mem.max);
	uart_puts(" of ");
	uart_dec(lwip_stats.mem.avail);
	uart_puts(") pools");
	for (i = 0; i < MEMP_MAX; i++) {
		uart_putc(' ');
		uart_puts(soak_pool_name[i]);
		uart_putc('=');
		uart_dec(lwip_stats.memp[i]->used);
	}
	uart_puts(" tcp active=");
	uart_dec(soak_count(tcp_active_pcbs));
	uart_puts(" time_wait=");
	uart_dec(soak_count(tcp_tw_pcbs));
	uart_puts(" stack ");
	uart_dec((uint32_t)board_stack_peak());
	uart_puts(" of ");
	uart_dec((uint32_t)board_stack_size());
	uart_putc('\n');
}
