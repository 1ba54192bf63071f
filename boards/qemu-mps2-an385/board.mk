# boards/qemu-mps2-an385/board.mk -- the Cortex-M3 firmware build (GNU make).
#
# Included by the top Makefile (paths relative to the repository root) or
# run alone: make -f boards/qemu-mps2-an385/board.mk fw-smoke.  Everything
# goes to $(FW_BUILD) (build/fw):
#   src/         Debian's bearssl and lwip source packages (scripts/fw-deps.sh;
#                fetched once, never again while src/.stamp exists)
#   libbearssl.a liblwip.a   cross-compiled from src/
#   obj/         objects of this repository (board, core, port, app)
#   NAME.elf NAME.map        images
# FW_TEST=0 (a build for real hardware: board hooks for time and entropy)
# puts obj/ and the images under $(FW_BUILD)/hw/ instead; the libraries
# are shared.
# FW_VARIANT=field (the field image, make fw-field) builds its own
# libbearssl.a and liblwip.a (lwipopts.h with FW_FIELD=1: DNS, SNTP; all
# of it with -flto) into $(FW_BUILD)/field/, with obj/, gen/ (generated
# sources) and the images there ($(FW_BUILD)/hw/field/ with FW_TEST=0).
#
# Targets: fw-deps (tools and sources), fw-libs (libbearssl.a liblwip.a),
# fw-smoke (the bring-up image), fw-smoke-test (it under QEMU),
# fw-flash-test (flashtest.elf: the flash store under power cuts),
# fw-budget-test (an image over budget does not link), fw-size (flash and
# RAM per part of FW_SIZE_ELF), fw-clean (all but the fetched sources).
#
# An image: name its objects as prerequisites of $(FW_OUT)/NAME.elf; the
# pattern rule below adds the board objects and libraries and links:
#     FW_APP_OBJ = $(call fw_obj,$(wildcard core/*.c) \
#                  port/lwip/port_lwip_raw.c boards/qemu-mps2-an385/app_main.c)
#     $(FW_OUT)/acme.elf: $(FW_APP_OBJ)
# Every object of this repository is compiled by one rule with FW_CFLAGS,
# FW_WARN and FW_APP_CFLAGS (set the ACME_* limits there: all objects that
# include acme.h must see the same values; changing them rebuilds all).

FW_SAVED_GOAL := $(.DEFAULT_GOAL)

FW_BOARD    := boards/qemu-mps2-an385
FW_BUILD    ?= $(or $(BUILD),build)/fw
FW_SRC      := $(FW_BUILD)/src
FW_STAMP    := $(FW_SRC)/.stamp
FW_TEST     ?= 1
FW_VARIANT  ?=
FW_FIELD    := $(if $(filter field,$(FW_VARIANT)),1,0)
# The bench image (FW_VARIANT=bench, make bench) differs from the lab
# image in the repository's objects only: it links the lab's libraries.
FW_LIBDIR   := $(FW_BUILD)$(if $(filter-out bench,$(FW_VARIANT)),/$(FW_VARIANT))
FW_OUT      := $(FW_BUILD)$(if $(filter 0,$(FW_TEST)),/hw)$(if \
               $(FW_VARIANT),/$(FW_VARIANT))
FW_OBJ      := $(FW_OUT)/obj
FW_GEN      := $(FW_OUT)/gen

FW_CROSS    ?= arm-none-eabi-
FW_CC       := $(FW_CROSS)gcc
# gcc-ar: an archive of -flto objects needs the LTO plugin's symbol index.
FW_AR       := $(FW_CROSS)$(if $(filter 1,$(FW_FIELD)),gcc-ar,ar)

# Budgets of the image (linker.ld): overflowing one is a link error.
FW_FLASH_LEN ?= 128K
FW_RAM_LEN   ?= 64K
FW_STACK_LEN ?= 6K

# Compiler flags for every object.  Include paths: the repository's core/,
# port/, port/lwip/ and this board; lwIP and BearSSL from build/fw/src; and
# $(FW_BUILD)/include, which holds only a link to /usr/include/jsmn.h (the
# cross compiler never searches /usr/include, so no host glibc header can
# be picked up).
FW_ARCH     := -mcpu=cortex-m3 -mthumb --specs=nano.specs
FW_OPT      ?= -Os -g -ffunction-sections -fdata-sections
# The field image: link-time optimisation over everything (BearSSL and
# lwIP included) wins back flash; -fconserve-stack keeps inlining from
# merging big frames (plain -flto overflowed the 6 KB stack); one
# partition lets the link see all of it at once (smaller still, and no
# parallel LTRANS jobs on a shared machine); -finline-limit=8 inlines
# only the smallest functions (624 bytes less flash when the signer
# interface, the challenge recovery and the account hooks came in).
# Measured in DESIGN.md 8d.
FW_LTO      := -flto -fconserve-stack -flto-partition=one -finline-limit=8
FW_OPT      += $(if $(filter 1,$(FW_FIELD)),$(FW_LTO))
FW_INC       = -Icore -Iport -Iport/lwip -I$(FW_BOARD) \
               -I$(FW_SRC)/lwip/src/include -I$(FW_SRC)/bearssl/inc \
               -I$(FW_BUILD)/include $(if $(filter 1,$(FW_FIELD)),-I$(FW_GEN))
FW_CFLAGS    = $(FW_ARCH) $(FW_OPT) $(FW_INC) -DFW_TEST=$(FW_TEST) \
               -DFW_FIELD=$(FW_FIELD)
# For this repository's objects only.
FW_WARN     ?= -std=c99 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
FW_APP_CFLAGS ?=

# BearSSL for a Cortex-M3 (src/config.h): no OS time or RNG, no x86/POWER
# intrinsics, 32-bit multiplications only, ARM assembly where it has some.
FW_BEARSSL_DEFS = -DBR_ARMEL_CORTEXM_GCC=1 -DBR_USE_UNIX_TIME=0 \
                  -DBR_USE_WIN32_TIME=0 -DBR_USE_URANDOM=0 \
                  -DBR_USE_WIN32_RAND=0 -DBR_RDRAND=0 -DBR_64=0 \
                  -DBR_AES_X86NI=0 -DBR_SSE2=0 -DBR_POWER8=0 \
                  -DBR_INT128=0 -DBR_UMUL128=0
FW_BEARSSL_CFLAGS = $(FW_ARCH) $(FW_OPT) -I$(FW_SRC)/bearssl/inc \
                    -I$(FW_SRC)/bearssl/src $(FW_BEARSSL_DEFS)
FW_LWIP_CFLAGS = $(FW_ARCH) $(FW_OPT) -I$(FW_BOARD) \
                 -I$(FW_SRC)/lwip/src/include -I$(FW_SRC)/bearssl/inc \
                 -DFW_FIELD=$(FW_FIELD)

FW_LDSCRIPT := $(FW_BOARD)/linker.ld
FW_LDFLAGS   = $(FW_ARCH) $(if $(filter 1,$(FW_FIELD)),$(FW_OPT)) \
               -nostartfiles -T$(FW_LDSCRIPT) -Wl,--gc-sections \
               -Wl,--defsym=FW_FLASH_LEN=$(FW_FLASH_LEN) \
               -Wl,--defsym=FW_RAM_LEN=$(FW_RAM_LEN) \
               -Wl,--defsym=FW_STACK_LEN=$(FW_STACK_LEN) \
               -Wl,--no-warn-rwx-segments

FW_LIBBEARSSL := $(FW_LIBDIR)/libbearssl.a
FW_LIBLWIP    := $(FW_LIBDIR)/liblwip.a
FW_LIBS       := $(FW_LIBBEARSSL) $(FW_LIBLWIP)
FW_LIB_LINK    = -Wl,--start-group $(FW_LIBS) -lc -lgcc -Wl,--end-group

# Text for a single-quoted shell word.
fw_quote = $(subst ','\'',$(1))

# Objects of this repository: $(call fw_obj,a.c b.c) -> $(FW_OBJ)/a.o ...
fw_obj = $(patsubst %.c,$(FW_OBJ)/%.o,$(1))

FW_BOARD_SRC := $(addprefix $(FW_BOARD)/,startup.c board.c uart.c \
                semihost.c lan9118.c)
FW_BOARD_OBJ := $(call fw_obj,$(FW_BOARD_SRC))
FW_SMOKE_OBJ := $(call fw_obj,$(FW_BOARD)/smoke.c)
# The flash store under power cuts (tests/qemu/flash.sh).
FW_FLASHTEST_OBJ := $(call fw_obj,$(FW_BOARD)/flashtest.c \
                    $(FW_BOARD)/flash_semihost.c port/flash/store_flash.c \
                    core/wipe.c)
FW_SIZE_ELF  ?= $(FW_OUT)/smoke.elf

.PHONY: fw-deps fw-libs fw-board fw-smoke fw-smoke-test fw-budget-test \
        fw-size fw-clean fw-FORCE fw-flash-test

fw-deps:
	@sh scripts/fw-deps.sh $(FW_SRC)

fw-libs: $(FW_LIBS)

# Naming the board objects here also keeps make from deleting them as
# intermediate files of the pattern link rule.
fw-board: $(FW_BOARD_OBJ)

fw-smoke: $(FW_OUT)/smoke.elf

# The test build and the hardware build (which must refuse to run without
# its board hooks), then the QEMU test.
fw-smoke-test: $(FW_BUILD)/smoke.elf
	@$(MAKE) --no-print-directory -f $(FW_BOARD)/board.mk FW_TEST=0 \
	    FW_BUILD=$(FW_BUILD) $(FW_BUILD)/hw/smoke.elf
	@sh tests/qemu/smoke.sh $(FW_BUILD)/smoke.elf $(FW_BUILD)/hw/smoke.elf

fw-flash-test: $(FW_OUT)/flashtest.elf
	@sh tests/qemu/flash.sh $(FW_OUT)/flashtest.elf

# The budgets are enforced by the linker: the smoke image must fail to link
# in 16 KB of RAM and in 16 KB of flash; and the size report (make size)
# must fail when its budget is below the image.
fw-budget-test: $(FW_BOARD_OBJ) $(FW_SMOKE_OBJ) $(FW_LIBS) $(FW_OUT)/smoke.elf
	@p=0; f=0; for b in FW_RAM_LEN=16K FW_FLASH_LEN=16K; do \
	    if $(FW_CC) $(FW_LDFLAGS) -Wl,--defsym=$$b -o $(FW_OUT)/budget.elf \
	        $(FW_BOARD_OBJ) $(FW_SMOKE_OBJ) $(FW_LIB_LINK) \
	        >$(FW_OUT)/budget.log 2>&1; then \
	        echo "  FAIL $$b: linked"; f=$$((f + 1)); \
	    elif grep -q 'overflowed' $(FW_OUT)/budget.log; then \
	        echo "  ok   $$b: link error: $$(grep -m1 overflowed \
	            $(FW_OUT)/budget.log | sed 's/.*: //')"; p=$$((p + 1)); \
	    else \
	        echo "  FAIL $$b: other error"; cat $(FW_OUT)/budget.log; \
	        f=$$((f + 1)); \
	    fi; \
	done; rm -f $(FW_OUT)/budget.elf $(FW_OUT)/budget.log; \
	for b in FW_RAM_MAX=16384 FW_FLASH_MAX=16384; do \
	    if env $$b sh $(FW_BOARD)/size.sh $(FW_OUT)/smoke.elf \
	        >$(FW_OUT)/budget.log 2>&1; then \
	        echo "  FAIL size.sh with $$b: passed"; f=$$((f + 1)); \
	    elif grep -q 'size: FAIL' $(FW_OUT)/budget.log; then \
	        echo "  ok   size.sh with $$b: $$(grep -m1 'size: FAIL' \
	            $(FW_OUT)/budget.log | sed 's/size: FAIL: //')"; \
	        p=$$((p + 1)); \
	    else \
	        echo "  FAIL size.sh with $$b: other error"; \
	        cat $(FW_OUT)/budget.log; f=$$((f + 1)); \
	    fi; \
	done; rm -f $(FW_OUT)/budget.log; \
	echo "fw-budget: $$p passed, $$f failed"; [ $$f -eq 0 ]

fw-size: $(FW_SIZE_ELF)
	@sh $(FW_BOARD)/size.sh $(FW_SIZE_ELF)

# Everything but the fetched sources.
fw-clean:
	rm -rf $(FW_BUILD)/hw $(FW_BUILD)/obj $(FW_BUILD)/bearssl \
	    $(FW_BUILD)/lwip $(FW_BUILD)/include $(FW_BUILD)/*.a \
	    $(FW_BUILD)/*.elf $(FW_BUILD)/*.map $(FW_BUILD)/*.flags \
	    $(FW_BUILD)/field

$(FW_STAMP):
	@sh scripts/fw-deps.sh $(FW_SRC)

$(FW_BUILD)/include/jsmn.h: | $(FW_STAMP)
	@mkdir -p $(@D)
	ln -sf /usr/include/jsmn.h $@

# A flags file changes only when its flags do, so objects rebuild exactly
# when their command line changed.
$(FW_LIBDIR)/bearssl.flags: FW_FLAGS_TEXT = $(FW_CC) $(FW_BEARSSL_CFLAGS)
$(FW_LIBDIR)/lwip.flags: FW_FLAGS_TEXT = $(FW_CC) $(FW_LWIP_CFLAGS)
$(FW_OUT)/app.flags: FW_FLAGS_TEXT = $(FW_CC) $(FW_CFLAGS) $(FW_WARN) \
    $(FW_APP_CFLAGS)
$(FW_OUT)/link.flags: FW_FLAGS_TEXT = $(FW_CC) $(FW_LDFLAGS) $(FW_LIB_LINK)
$(FW_BUILD)/%.flags: fw-FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(call fw_quote,$(FW_FLAGS_TEXT))' | cmp -s - $@ || \
	    printf '%s\n' '$(call fw_quote,$(FW_FLAGS_TEXT))' >$@

fw-FORCE:

# ---- third-party libraries -------------------------------------------
# Their source lists exist only after the fetch, so the archives are built
# by a second make (FW_INNER=1) that reads the lists then.

$(FW_LIBDIR)/bearssl/%.o: $(FW_SRC)/bearssl/src/%.c $(FW_LIBDIR)/bearssl.flags
	@mkdir -p $(@D)
	@echo "  CC      bearssl/$*.c ($(FW_LIBDIR))"
	@$(FW_CC) $(FW_BEARSSL_CFLAGS) -MMD -MP -c $< -o $@

$(FW_LIBDIR)/lwip/%.o: $(FW_SRC)/lwip/src/%.c $(FW_LIBDIR)/lwip.flags
	@mkdir -p $(@D)
	@echo "  CC      lwip/$*.c ($(FW_LIBDIR))"
	@$(FW_CC) $(FW_LWIP_CFLAGS) -MMD -MP -c $< -o $@

ifdef FW_INNER
FW_BEARSSL_SRC := $(wildcard $(FW_SRC)/bearssl/src/*.c \
                  $(FW_SRC)/bearssl/src/*/*.c)
# IPv4 only: the core, core/ipv4 (ARP, DHCP, ICMP, IP) and Ethernet framing
# (core/dns.c compiles to nothing without LWIP_DNS); the field image adds
# the SNTP client.
FW_LWIP_SRC := $(wildcard $(FW_SRC)/lwip/src/core/*.c \
               $(FW_SRC)/lwip/src/core/ipv4/*.c) \
               $(FW_SRC)/lwip/src/netif/ethernet.c \
               $(if $(filter 1,$(FW_FIELD)),$(FW_SRC)/lwip/src/apps/sntp/sntp.c)
FW_BEARSSL_OBJ := $(patsubst $(FW_SRC)/bearssl/src/%.c,\
                  $(FW_LIBDIR)/bearssl/%.o,$(FW_BEARSSL_SRC))
FW_LWIP_OBJ := $(patsubst $(FW_SRC)/lwip/src/%.c,$(FW_LIBDIR)/lwip/%.o,\
               $(FW_LWIP_SRC))

$(FW_LIBBEARSSL): $(FW_BEARSSL_OBJ)
	@rm -f $@
	@echo "  AR      $@ ($(words $^) objects)"
	@$(FW_AR) rcs $@ $^

$(FW_LIBLWIP): $(FW_LWIP_OBJ)
	@rm -f $@
	@echo "  AR      $@ ($(words $^) objects)"
	@$(FW_AR) rcs $@ $^

-include $(FW_BEARSSL_OBJ:.o=.d) $(FW_LWIP_OBJ:.o=.d)
else
$(FW_LIBBEARSSL): $(FW_STAMP) $(FW_LIBDIR)/bearssl.flags
	@+$(MAKE) --no-print-directory -f $(FW_BOARD)/board.mk FW_INNER=1 \
	    FW_BUILD=$(FW_BUILD) FW_VARIANT=$(FW_VARIANT) $@

$(FW_LIBLWIP): $(FW_STAMP) $(FW_LIBDIR)/lwip.flags $(FW_BOARD)/lwipopts.h \
    $(FW_BOARD)/arch/cc.h
	@+$(MAKE) --no-print-directory -f $(FW_BOARD)/board.mk FW_INNER=1 \
	    FW_BUILD=$(FW_BUILD) FW_VARIANT=$(FW_VARIANT) $@
endif

# ---- this repository's objects and the images ------------------------

$(FW_OBJ)/%.o: %.c $(FW_OUT)/app.flags | $(FW_STAMP) $(FW_BUILD)/include/jsmn.h
	@mkdir -p $(@D)
	@echo "  CC      $< ($(FW_OUT))"
	@$(FW_CC) $(FW_CFLAGS) $(FW_WARN) $(FW_APP_CFLAGS) -MMD -MP -c $< -o $@

$(FW_OUT)/%.elf: $(FW_BOARD_OBJ) $(FW_LIBS) $(FW_LDSCRIPT) $(FW_OUT)/link.flags
	@echo "  LD      $@"
	@$(FW_CC) $(FW_LDFLAGS) -Wl,-Map=$(@:.elf=.map) -o $@ \
	    $(filter %.o,$^) $(FW_LIB_LINK)

$(FW_OUT)/smoke.elf: $(FW_SMOKE_OBJ)
$(FW_OUT)/flashtest.elf: $(FW_FLASHTEST_OBJ)

-include $(wildcard $(FW_OBJ)/*/*.d $(FW_OBJ)/*/*/*.d $(FW_OBJ)/*/*/*/*.d)

.DEFAULT_GOAL := $(FW_SAVED_GOAL)
