/*
 * startup.c -- vector table and reset code of the qemu-mps2-an385
 * firmware (Cortex-M3, ARMv7-M).
 *
 * Reset_Handler copies .data from flash, zeroes .bss, paints the thread
 * stack with BOARD_STACK_PAINT (board_stack_peak() finds the deepest word
 * overwritten), makes the 32 bytes below it a no-access MPU region, and
 * calls main() on the process stack (PSP); exceptions and interrupts run
 * on the separate handler stack (MSP), so a thread stack overflow ends in
 * a MemManage fault that can still be reported.  main() returning ends
 * the run with its value.
 *
 * Faults print what they know on the UART and end the run:
 * BOARD_EXIT_STACK for a thread stack overflow, BOARD_EXIT_HARDFAULT for
 * a HardFault (stacked registers and fault status registers printed),
 * BOARD_EXIT_FAULT for the other faults and unexpected interrupts.
 */
#include <stdint.h>
#include "board.h"
#include "semihost.h"
#include "uart.h"

/* linker.ld */
extern uint32_t __stack_guard[], __stack_bottom[], __stack_top[];
extern uint32_t __handler_stack_top[];
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];

int main(void);
void Reset_Handler(void);
void Fault_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);
void LAN9118_Handler(void);
/* Reached only from assembly: "used" keeps them under -flto. */
__attribute__((used)) void fault_report(const uint32_t *frame,
    uint32_t exc_return);
__attribute__((used)) void app_start(void);

#define SCB_ICSR        (*(volatile uint32_t *)0xe000ed04u)
#define SCB_SHCSR       (*(volatile uint32_t *)0xe000ed24u)
#define SCB_CFSR        (*(volatile uint32_t *)0xe000ed28u)
#define SCB_HFSR        (*(volatile uint32_t *)0xe000ed2cu)
#define SCB_MMFAR       (*(volatile uint32_t *)0xe000ed34u)
#define SCB_BFAR        (*(volatile uint32_t *)0xe000ed38u)
#define MPU_TYPE        (*(volatile uint32_t *)0xe000ed90u)
#define MPU_CTRL        (*(volatile uint32_t *)0xe000ed94u)
#define MPU_RNR         (*(volatile uint32_t *)0xe000ed98u)
#define MPU_RBAR        (*(volatile uint32_t *)0xe000ed9cu)
#define MPU_RASR        (*(volatile uint32_t *)0xe000eda0u)

#define SHCSR_MEMFAULTENA 0x00010000u
#define CFSR_MSTKERR    0x00000010u     /* fault while stacking */
#define MPU_CTRL_ENABLE 0x1u
#define MPU_CTRL_PRIVDEFENA 0x4u        /* default map elsewhere */
#define MPU_RASR_XN     0x10000000u
#define MPU_RASR_32B    (4u << 1)       /* 2^(4+1) bytes */
#define MPU_RASR_ENABLE 0x1u            /* AP = 000: no access */

#define N_IRQ           32      /* AN385 external interrupts */

typedef void (*vector_fn)(void);

/* 16 system exceptions, then the external interrupts. */
__attribute__((section(".vectors"), used))
const vector_fn vectors[16 + N_IRQ] = {
	(vector_fn)(uintptr_t)__handler_stack_top,
	Reset_Handler,
	Fault_Handler,          /* NMI */
	Fault_Handler,          /* HardFault */
	Fault_Handler,          /* MemManage */
	Fault_Handler,          /* BusFault */
	Fault_Handler,          /* UsageFault */
	0, 0, 0, 0,
	Default_Handler,        /* SVCall */
	Default_Handler,        /* DebugMonitor */
	0,
	Default_Handler,        /* PendSV */
	SysTick_Handler,
	[16] = Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, Default_Handler,
	[16 + BOARD_IRQ_ETH] = LAN9118_Handler,
	[16 + BOARD_IRQ_ETH + 1] = Default_Handler, Default_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
};

/* The guard below the thread stack; without an MPU (MPU_TYPE.DREGION
 * 0) there is none and an overflow goes unnoticed until the paint
 * check of board_exit(). */
static void
stack_guard(void)
{
	if (((MPU_TYPE >> 8) & 0xffu) == 0)
		return;
	MPU_RNR = 0;
	MPU_RBAR = (uint32_t)__stack_guard;
	MPU_RASR = MPU_RASR_XN | MPU_RASR_32B | MPU_RASR_ENABLE;
	MPU_CTRL = MPU_CTRL_PRIVDEFENA | MPU_CTRL_ENABLE;
	SCB_SHCSR |= SHCSR_MEMFAULTENA;
	__asm__ volatile ("dsb\n\tisb" ::: "memory");
}

void
app_start(void)
{
	board_exit(main());
}

void
Reset_Handler(void)
{
	uint32_t *src, *dst;

	for (src = __data_load, dst = __data_start; dst < __data_end; )
		*dst++ = *src++;
	for (dst = __bss_start; dst < __bss_end; )
		*dst++ = 0;
	for (dst = __stack_bottom; dst < __stack_top; )
		*dst++ = BOARD_STACK_PAINT;
	stack_guard();
	/* Thread mode on PSP from here; this frame (on MSP) is left. */
	__asm__ volatile (
	    "msr psp, %0\n\t"
	    "movs r0, #2\n\t"
	    "msr control, r0\n\t"
	    "isb\n\t"
	    "b app_start\n\t"
	    : : "r"(__stack_top) : "r0", "memory");
	for (;;)
		;
}

/* Which stack holds the exception frame: bit 2 of EXC_RETURN. */
__attribute__((naked)) void
Fault_Handler(void)
{
	__asm__ volatile (
	    "tst lr, #4\n\t"
	    "ite eq\n\t"
	    "mrseq r0, msp\n\t"
	    "mrsne r0, psp\n\t"
	    "mov r1, lr\n\t"
	    "b fault_report\n\t");
}

static void
reg(const char *name, uint32_t v)
{
	uart_puts(name);
	uart_puts("=0x");
	uart_hex(v, 8);
	uart_putc(' ');
}

void
fault_report(const uint32_t *frame, uint32_t exc_return)
{
	uint32_t exc = SCB_ICSR & 0x1ffu, cfsr = SCB_CFSR;

	/* The frame of a thread stack overflow is in (or under) the
	 * guard: reading it would fault again. */
	if ((exc_return & 4u) != 0 && ((cfsr & CFSR_MSTKERR) != 0 ||
	    (const uint32_t *)frame < __stack_bottom + 8)) {
		uart_puts("\nFAULT: thread stack overflow (FW_STACK_LEN ");
		uart_dec(board_stack_size());
		uart_puts(" bytes): ");
		reg("CFSR", cfsr);
		reg("MMFAR", SCB_MMFAR);
		reg("PSP", (uint32_t)frame);
		uart_putc('\n');
		semihost_exit(BOARD_EXIT_STACK);
	}
	uart_puts("\nFAULT: exception ");
	uart_dec(exc);
	uart_puts(exc == 3 ? " (HardFault)\n" : "\n");
	reg("r0", frame[0]);
	reg("r1", frame[1]);
	reg("r2", frame[2]);
	reg("r3", frame[3]);
	uart_putc('\n');
	reg("r12", frame[4]);
	reg("lr", frame[5]);
	reg("pc", frame[6]);
	reg("xpsr", frame[7]);
	uart_putc('\n');
	reg("CFSR", cfsr);
	reg("HFSR", SCB_HFSR);
	reg("MMFAR", SCB_MMFAR);
	reg("BFAR", SCB_BFAR);
	reg("EXC_RETURN", exc_return);
	uart_putc('\n');
	semihost_exit(exc == 3 ? BOARD_EXIT_HARDFAULT : BOARD_EXIT_FAULT);
}

void
Default_Handler(void)
{
	uart_puts("\nFAULT: unexpected interrupt ");
	uart_dec(SCB_ICSR & 0x1ffu);
	uart_putc('\n');
	semihost_exit(BOARD_EXIT_FAULT);
}
