/*
 * clock_sntp.c -- see clock_sntp.h.
 */
#include "lwip/opt.h"
#include "lwip/apps/sntp.h"
#include "lwip/ip_addr.h"
#include "board.h"
#include "clock_sntp.h"
#include "fw_floor.h"
#include "str.h"

#if !FW_FIELD || !LWIP_UDP || !SNTP_SERVER_DNS || !SNTP_GET_SERVERS_FROM_DHCP
#error "clock_sntp.c is the field image's: lwipopts.h with FW_FIELD 1"
#endif

/* An SNTP server that keeps sending times below the floor is asked
 * again this often (lwIP itself would wait an hour after any answer). */
#define CLOCK_REASK_MS 2000

static int source = CLOCK_NONE;
static uint64_t sntp_base;              /* the last answer kept */
static uint32_t sntp_base_ms;           /* board_ms() when it came */
static uint32_t below_floor;            /* answers refused */
static uint32_t below_value;            /* the last of them */
static const char *server_name;
static char why[128];

uint64_t
clock_floor(void)
{
	return FW_TIME_FLOOR;
}

void
clock_sntp_set(uint32_t unix_seconds)
{
	if (unix_seconds < FW_TIME_FLOOR) {
		below_floor++;
		below_value = unix_seconds;
		return;
	}
	sntp_base = unix_seconds;
	sntp_base_ms = board_ms();
	source = CLOCK_SNTP;
}

uint64_t
clock_unix_time(void)
{
	uint64_t rtc;

	if (source == CLOCK_SNTP)
		return sntp_base + (uint32_t)(board_ms() - sntp_base_ms) / 1000;
	rtc = board_rtc_unix_time();
	return rtc >= FW_TIME_FLOOR ? rtc : 0;
}

int
clock_source(void)
{
	if (source == CLOCK_NONE && clock_unix_time() != 0)
		return CLOCK_RTC;
	return source;
}

const char *
clock_server(void)
{
	static char addr[IP4ADDR_STRLEN_MAX];
	const ip_addr_t *ip;

	if (server_name != NULL)
		return server_name;
	ip = sntp_getserver(0);
	if (ip == NULL || ip_addr_isany(ip))
		return "(none from DHCP)";
	return ipaddr_ntoa_r(ip, addr, sizeof addr);
}

const char *
clock_why(void)
{
	return why;
}

void
clock_start(const char *server)
{
	if (clock_unix_time() != 0)
		return;                 /* the RTC is good */
	server_name = server;
	if (server != NULL) {
		sntp_servermode_dhcp(0);
		sntp_setservername(0, server);
	}
	sntp_setoperatingmode(SNTP_OPMODE_POLL);
	sntp_init();
}

int
clock_wait(uint32_t timeout_ms)
{
	uint32_t start = board_ms(), asked = start, seen = 0;

	while (clock_unix_time() == 0) {
		uint32_t now = board_ms();

		if (now - start >= timeout_ms) {
			why[0] = 0;
			if (below_floor > 0) {
				str_cat(why, sizeof why, "SNTP server ");
				str_cat(why, sizeof why, clock_server());
				str_cat(why, sizeof why, " said ");
				str_cat_time(why, sizeof why, below_value);
				str_cat(why, sizeof why, ", before the floor");
			} else {
				str_cat(why, sizeof why, "no answer from SNTP "
				    "server ");
				str_cat(why, sizeof why, clock_server());
			}
			str_cat(why, sizeof why, " within ");
			str_cat_u(why, sizeof why, timeout_ms);
			str_cat(why, sizeof why, " ms");
			return -1;
		}
		/* lwIP took the refused answer for a good one and would
		 * wait an hour: ask again now. */
		if (below_floor != seen && now - asked >= CLOCK_REASK_MS) {
			seen = below_floor;
			asked = now;
			sntp_stop();
			sntp_init();
		}
		board_poll_wait(NULL);
	}
	return 0;
}
