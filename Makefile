# picoacme -- see README.md.  `make demo` and `make test` are the two
# commands a new user needs; both install missing Debian packages first.

CC      ?= cc
BUILD   ?= build
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
CSTD     = -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
INC      = -Icore -Iport
CFLAGS  ?= -O2 -g
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=all
# -pthread: port/posix looks names up in a thread (connect's timeout).
LIBS     = -lbearssl -pthread

CORE_SRC = $(wildcard core/*.c)
POSIX_SRC = $(wildcard port/posix/*.c)
FLASH_SRC = $(wildcard port/flash/*.c)
CLI_SRC  = cli/main.c cli/ta_file.c cli/net_posix.c cli/dns_hook.c
LWIP_SRC = cli/main.c cli/ta_file.c cli/net_lwip.c cli/tap_netif.c cli/dns_hook.c \
           port/lwip/port_lwip_sockets.c port/lwip/port_base.c
LWIP_INC = -I/usr/include/lwip
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_LIB = $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))

HOST_CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/host/%.o)
HOST_POSIX_OBJ = $(POSIX_SRC:%.c=$(BUILD)/host/%.o)
HOST_CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/host/%.o)
SAN_CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/san/%.o)
SAN_POSIX_OBJ = $(POSIX_SRC:%.c=$(BUILD)/san/%.o)
SAN_FLASH_OBJ = $(FLASH_SRC:%.c=$(BUILD)/san/%.o)
SAN_CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/san/%.o)
SAN_UNIT_LIB_OBJ = $(UNIT_LIB:%.c=$(BUILD)/san/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/san/tests/%)

HOST_LWIP_OBJ = $(LWIP_SRC:%.c=$(BUILD)/lwip/%.o)

PICOACME = $(BUILD)/host/picoacme
PICOACME_SAN = $(BUILD)/san/picoacme
PICOACME_LWIP = $(BUILD)/lwip/picoacme-lwip

.PHONY: all lwip deps demo test unit nomalloc integration bench bench-build \
        bench-smoke size clean soak \
        fw fw-all fw-field field-soak fw-soak install uninstall deps-test lint \
        valgrind fuzz fuzz-build fuzz-cov

# ---- the Cortex-M3 firmware (boards/qemu-mps2-an385, issue 5) ----------
# The ACME limits of the firmware: one name, small buffers, the small TLS
# profile (ECDHE-ECDSA P-256) with the constant-time i15 EC code.  Every
# firmware object sees the same values (board.mk).  Three responder slots:
# with the listener, the client and one connection just accepted (that
# evicts an idle one) they fill the raw port's LWIP_RAW_MAX_CONNS (6), and
# Pebble validates from three places at once.  See docs/DESIGN.md,
# "Firmware".
FW_APP_CFLAGS = -DACME_MAX_URL=160 -DACME_MAX_IDENTIFIERS=1 \
    -DACME_MAX_NAME=64 -DACME_MAX_RESPONSE=3072 -DACME_MAX_REQUEST=1280 \
    -DACME_MAX_PAYLOAD=512 -DACME_JSON_TOKENS=64 -DACME_MAX_HEADER_LINE=384 \
    -DACME_MAX_PROBLEM_DETAIL=128 -DACME_MAX_PROBLEM_TYPE=64 \
    -DACME_HTTP01_MAX_REQUEST=384 -DACME_HTTP01_SLOTS=3 \
    -DACME_NONCE_RING=4 -DACME_TLS_FULL=0 -DACME_EC_I15=1 \
    -DACME_DNS01=0 -DACME_IP_IDENTIFIERS=0 -DACME_TLSALPN01=0 \
    -DACME_ALT_CHAINS=0 -DACME_KEY_P384=0 -DACME_KEY_RSA=0 \
    -DACME_EAB=0 -DACME_ACCOUNT_OPS=0
# The certificate chain streams past the 3 KB window into storage; 12 KB
# takes a public CA's (about 5 KB) or Pebble's with PEBBLE_CHAIN_LENGTH
# (up to 9 KB).  It bounds the storage slot, not RAM.
FW_APP_CFLAGS += -DACME_MAX_CHAIN=12288

# The field image (make fw-field: build/fw/field/picoacme.elf; docs/DESIGN.md
# 8d): what a device needs at a public CA such as Let's Encrypt, with the
# lab image's limits except these.  The public-CA TLS profile (RSA and P-384
# chains) without ChaCha20 and Curve25519 (flash), reaching its CA by
# name only (ACME_SERVER_IP=0: no IP-literal check), without the progress
# log lines (ACME_LOG_PROGRESS=0: 600 bytes, its flash is nearly full);
# eight responder slots
# (Let's Encrypt validates from five places at once), so eleven raw-port
# connections (app_main.c checks it).  The chain streams into the flash
# store, so the 3 KB response window stays.  board.mk adds -DFW_FIELD=1
# (lwipopts.h: DNS, SNTP, ten TCP PCBs) and -flto.
FW_FIELD_CFLAGS := $(filter-out -DACME_HTTP01_SLOTS=%, \
    $(FW_APP_CFLAGS)) -DACME_HTTP01_SLOTS=8 \
    -DLWIP_RAW_MAX_CONNS=11 -DACME_TLS_PUBLIC_CA=1 -DACME_TLS_CHACHA20=0 \
    -DACME_TLS_X25519=0 -DACME_SERVER_IP=0 -DACME_LOG_PROGRESS=0
# Its built-in trust anchors: Debian's copies of Let's Encrypt's roots.
FW_FIELD_TA_PEM = /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt \
    /usr/share/ca-certificates/mozilla/ISRG_Root_X2.crt
ifeq ($(FW_VARIANT),field)
FW_APP_CFLAGS := $(FW_FIELD_CFLAGS)
endif
# The bench image (make bench: build/fw/bench/picoacme.elf): the lab image
# with the cost breakdown counters of core/prof.h (ACME_BENCH_PROFILE).
ifeq ($(FW_VARIANT),bench)
FW_APP_CFLAGS += -DACME_BENCH_PROFILE=1
endif

include boards/qemu-mps2-an385/board.mk
FW_ACME_SRC = $(CORE_SRC) port/lwip/port_lwip_raw.c port/lwip/port_base.c \
    $(addprefix $(FW_BOARD)/,app_main.c app_ta.c app_certinfo.c \
    $(if $(filter 1,$(FW_FIELD)),clock_sntp.c flash_semihost.c,app_store.c app_soak.c)) \
    $(if $(filter 1,$(FW_FIELD)),port/flash/store_flash.c)
FW_ACME_OBJ = $(call fw_obj,$(FW_ACME_SRC)) \
    $(if $(filter 1,$(FW_FIELD)),$(FW_OBJ)/gen/fw_ta_builtin.o)
FW_ELF = $(FW_OUT)/picoacme.elf
FW_FIELD_ELF = $(FW_BUILD)/field/picoacme.elf

$(FW_ELF): $(FW_ACME_OBJ)

fw: $(FW_ELF)

fw-field:
	@$(MAKE) --no-print-directory FW_VARIANT=field $(FW_FIELD_ELF)

# The field test with a power cut at every flash operation of a renewal
# (make test cuts 24 of them; this about 110, some 5 minutes).
field-soak: deps fw-deps fw-field $(FLASHIMG)
	@FIELD_CUTS=100000 sh tests/qemu/field.sh $(FW_FIELD_ELF) $(FLASHIMG)

# The device over time, longer: 200 renewals in one boot of the lab image
# (make test runs 22; tests/qemu/soak.sh), about five minutes.
fw-soak: deps fw-deps $(FW_ELF)
	@SOAK_RENEWALS=$(or $(SOAK_RENEWALS),200) sh tests/qemu/soak.sh $(FW_ELF)

# tools/ta2c: PEM certificates -> const br_x509_trust_anchor C source.
TA2C = $(BUILD)/host/tools/ta2c
$(TA2C): tools/ta2c.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -o $@ $< -lbearssl

# tools/flashimg: put and get the blobs of a flash store image (the
# field image's fw/flash.bin), with the store's own code.
FLASHIMG = $(BUILD)/host/tools/flashimg
$(FLASHIMG): tools/flashimg.c port/flash/store_flash.c core/wipe.c \
    $(wildcard port/flash/*.h core/wipe.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) $(CFLAGS) -o $@ $(filter %.c,$^)

# The field image's generated sources (build/fw/field/gen/, never committed):
# the built-in anchors, and the clock's time floor, the commit time of the
# source (SOURCE_DATE_EPOCH when set): the same commit builds the same
# image.  fw_floor.h is rewritten only when its value changes.
ifeq ($(FW_FIELD),1)
FW_TIME_FLOOR := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct \
    2>/dev/null))
$(FW_GEN)/fw_ta_builtin.c: $(TA2C) $(FW_FIELD_TA_PEM)
	@mkdir -p $(@D)
	@echo "  TA2C    $(notdir $(FW_FIELD_TA_PEM)) -> $@"
	@$(TA2C) fw_ta_builtin $(FW_FIELD_TA_PEM) >$@.tmp && mv $@.tmp $@
$(FW_GEN)/fw_floor.h: fw-FORCE
	@[ -n "$(FW_TIME_FLOOR)" ] || { echo "fw: no time floor: not a git" \
	    "checkout and no SOURCE_DATE_EPOCH" >&2; exit 1; }
	@mkdir -p $(@D)
	@printf '%s\n' '/* Generated (Makefile): the field clock'"'"'s floor,' \
	    ' * the commit time of the source (clock_sntp.h). */' \
	    '#define FW_TIME_FLOOR $(FW_TIME_FLOOR)u' | cmp -s - $@ || \
	    printf '%s\n' '/* Generated (Makefile): the field clock'"'"'s floor,' \
	    ' * the commit time of the source (clock_sntp.h). */' \
	    '#define FW_TIME_FLOOR $(FW_TIME_FLOOR)u' >$@
$(FW_OBJ)/$(FW_BOARD)/clock_sntp.o: $(FW_GEN)/fw_floor.h
$(FW_OBJ)/gen/%.o: $(FW_GEN)/%.c $(FW_OUT)/app.flags | $(FW_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(FW_CC) $(FW_CFLAGS) $(FW_WARN) $(FW_APP_CFLAGS) -c $< -o $@
endif

# Every image make test boots: the test builds (FW_TEST=1), the builds
# for real hardware (FW_TEST=0, build/fw/hw/), which must refuse to run
# without their board hooks, and the field image.
fw-all: $(FW_ELF) $(FW_OUT)/smoke.elf $(FW_OUT)/tls-public.elf \
    $(FW_OUT)/flashtest.elf
	@$(MAKE) --no-print-directory FW_TEST=0 $(FW_BUILD)/hw/picoacme.elf \
	    $(FW_BUILD)/hw/smoke.elf
	@$(MAKE) --no-print-directory FW_VARIANT=field $(FW_FIELD_ELF)

all: $(PICOACME)

lwip: $(PICOACME_LWIP)

deps:
	@sh scripts/deps.sh

# What make test needs beyond the build: the analyzers.
deps-test:
	@sh scripts/deps.sh test

# Static analysis, cppcheck and clang-tidy, in the host's and the lab
# firmware's configuration (tests/lint.sh; DESIGN.md section 9).
lint: deps-test
	@LINT_FW_FLAGS='$(FW_APP_CFLAGS)' sh tests/lint.sh

# The Pebble integration test with the host binary under valgrind's
# memcheck (tests/valgrind.sh; make test runs it too).
valgrind: deps deps-test $(PICOACME)
	@sh tests/valgrind.sh $(PICOACME)

# core/ builds free of -Wconversion warnings too (DESIGN.md section 9):
# every narrowing or sign change in the library is written out.
CORE_WARN = -Wconversion -Wsign-conversion
$(HOST_CORE_OBJ) $(SAN_CORE_OBJ): WARN += $(CORE_WARN)

$(BUILD)/host/%.o: %.c $(wildcard core/*.h port/*.h port/posix/*.h cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) $(CFLAGS) -c $< -o $@

$(BUILD)/san/%.o: %.c $(wildcard core/*.h port/*.h port/posix/*.h port/flash/*.h cli/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) -Itests/unit $(SANFLAGS) -c $< -o $@

# The lwIP build: Debian's liblwip (Unix port, NO_SYS=0, TAP netif).
$(BUILD)/lwip/%.o: %.c $(wildcard core/*.h port/*.h port/lwip/*.h port/posix/*.h cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) $(LWIP_INC) $(CFLAGS) -c $< -o $@

$(PICOACME_LWIP): $(HOST_LWIP_OBJ) $(HOST_POSIX_OBJ) $(BUILD)/host/libpicoacme.a
	$(CC) $(CFLAGS) -o $@ $(HOST_LWIP_OBJ) $(HOST_POSIX_OBJ) \
	    $(BUILD)/host/libpicoacme.a $(LIBS) -llwip -lpthread

$(BUILD)/host/libpicoacme.a: $(HOST_CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/host/libpicoacme-posix.a: $(HOST_POSIX_OBJ)
	@rm -f $@
	ar rcs $@ $^

# ---- make install (README.md, "Using the library") --------------------
# Headers flat in one directory, $(PREFIX)/include/picoacme/: acme.h, every
# header it includes (they include each other by plain name, so they sit
# together), ta.h and the POSIX port's port_posix.h.  Applications write
# #include <picoacme/acme.h> with -I$(PREFIX)/include (pkg-config's
# Cflags).  Nothing is written outside $(DESTDIR)$(PREFIX).
PREFIX  ?= /usr/local
DESTDIR ?=
INSTALL_INC = $(PREFIX)/include/picoacme
INSTALL_LIB = $(PREFIX)/lib
INSTALL_HDR = core/acme.h core/acme_config.h core/acme_err.h core/http.h \
    core/json.h core/nonce.h core/key.h core/key_rsa.h core/acme_signer.h \
    core/tls.h core/challenge_http01.h \
    core/challenge_tlsalpn01.h core/renew.h core/chain.h core/x509.h \
    core/der.h core/pem.h core/x509ip.h core/ta.h port/port.h \
    port/posix/port_posix.h
INSTALL_MAN = $(wildcard man/picoacme.1)
ACME_VERSION_STR := $(shell sed -n 's/^\#define ACME_VERSION "\(.*\)"/\1/p' \
    core/acme_config.h)

# The pkg-config file, written at install time for this PREFIX (a
# DESTDIR install is read with PKG_CONFIG_SYSROOT_DIR=DESTDIR).  The
# libraries are static: -lbearssl and -pthread (the POSIX port's name
# lookup) belong in Libs.
PICOACME_PC = 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' \
    'libdir=$${prefix}/lib' '' 'Name: picoacme' \
    'Description: ACME (RFC 8555) client for small devices' \
    'Version: $(ACME_VERSION_STR)' 'Cflags: -I$${includedir}' \
    'Libs: -L$${libdir} -lpicoacme-posix -lpicoacme -lbearssl -pthread'

install: $(BUILD)/host/libpicoacme.a $(BUILD)/host/libpicoacme-posix.a \
    $(PICOACME)
	install -d $(DESTDIR)$(INSTALL_INC) $(DESTDIR)$(INSTALL_LIB)/pkgconfig \
	    $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(INSTALL_HDR) $(DESTDIR)$(INSTALL_INC)
	install -m 644 $(BUILD)/host/libpicoacme.a \
	    $(BUILD)/host/libpicoacme-posix.a $(DESTDIR)$(INSTALL_LIB)
	printf '%s\n' $(PICOACME_PC) >$(DESTDIR)$(INSTALL_LIB)/pkgconfig/picoacme.pc
	install -m 755 $(PICOACME) $(DESTDIR)$(PREFIX)/bin
ifneq ($(INSTALL_MAN),)
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(INSTALL_MAN) $(DESTDIR)$(PREFIX)/share/man/man1
endif

uninstall:
	rm -f $(addprefix $(DESTDIR)$(INSTALL_INC)/,$(notdir $(INSTALL_HDR))) \
	    $(DESTDIR)$(INSTALL_LIB)/libpicoacme.a \
	    $(DESTDIR)$(INSTALL_LIB)/libpicoacme-posix.a \
	    $(DESTDIR)$(INSTALL_LIB)/pkgconfig/picoacme.pc \
	    $(DESTDIR)$(PREFIX)/bin/picoacme \
	    $(DESTDIR)$(PREFIX)/share/man/man1/picoacme.1
	rmdir $(DESTDIR)$(INSTALL_INC) 2>/dev/null || true

$(PICOACME): $(HOST_CLI_OBJ) $(HOST_POSIX_OBJ) $(BUILD)/host/libpicoacme.a
	$(CC) $(CFLAGS) -o $@ $(HOST_CLI_OBJ) $(HOST_POSIX_OBJ) \
	    $(BUILD)/host/libpicoacme.a $(LIBS)

# The CLI with the firmware's TLS profiles (tests/pebble/tls.sh): only
# tls.o differs from the host build.  "field" is the field firmware's
# (public-CA without ChaCha20 and Curve25519, the i15 EC code).
HOST_TLS_VARIANTS = small public field
HOST_TLS_FLAGS_small = -DACME_TLS_FULL=0
HOST_TLS_FLAGS_public = -DACME_TLS_FULL=0 -DACME_TLS_PUBLIC_CA=1
HOST_TLS_FLAGS_field = -DACME_TLS_FULL=0 -DACME_TLS_PUBLIC_CA=1 \
    -DACME_TLS_CHACHA20=0 -DACME_TLS_X25519=0 -DACME_EC_I15=1
HOST_TLS_BIN = $(HOST_TLS_VARIANTS:%=$(BUILD)/tls-%/picoacme)
$(HOST_TLS_VARIANTS:%=$(BUILD)/tls-%/tls.o): $(BUILD)/tls-%/tls.o: core/tls.c $(wildcard core/*.h port/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) $(CFLAGS) $(HOST_TLS_FLAGS_$*) -c $< -o $@
$(HOST_TLS_BIN): $(BUILD)/tls-%/picoacme: $(BUILD)/tls-%/tls.o $(HOST_CLI_OBJ) $(HOST_POSIX_OBJ) $(filter-out %/tls.o,$(HOST_CORE_OBJ))
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(PICOACME_SAN): $(SAN_CLI_OBJ) $(SAN_POSIX_OBJ) $(SAN_CORE_OBJ)
	$(CC) $(SANFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/san/tests/test_%: $(BUILD)/san/tests/unit/test_%.o $(SAN_UNIT_LIB_OBJ) $(SAN_CORE_OBJ) $(SAN_POSIX_OBJ) $(SAN_FLASH_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(SANFLAGS) -o $@ $^ $(LIBS)

# The stack-residue test of tests/unit/test_wipe.c reads what key.c and
# pem.c leave on the stack, so it is built as the product is: at -O2
# (dead-store elimination on), without sanitizers (they move the stack),
# linked with the host core objects.  The -lto twin sees through calls
# between files, as an LTO firmware build would: only it fails when
# wipe() is an out-of-line plain memset().
O2_UNIT_BIN = $(BUILD)/o2/tests/test_wipe $(BUILD)/o2/tests/test_wipe-lto
WIPE_LTO_SRC = core/key.c core/pem.c core/wipe.c
$(BUILD)/o2/tests/test_wipe: tests/unit/test_wipe.c tests/unit/t.h $(BUILD)/host/libpicoacme.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) -Itests/unit -O2 -g -o $@ $< \
	    $(BUILD)/host/libpicoacme.a $(LIBS)
$(BUILD)/o2/tests/test_wipe-lto: tests/unit/test_wipe.c tests/unit/t.h $(WIPE_LTO_SRC) $(wildcard core/*.h port/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) -Itests/unit -O2 -g -flto \
	    -DWIPE_SUITE='"wipe-lto"' -o $@ $< $(WIPE_LTO_SRC) $(LIBS)

# Test tools: the fault shim (tests/tools/faultshim.c, an LD_PRELOAD
# library that kills or fails the n-th storage call) and the port's
# one-commit helper it runs under (no sanitizers: they do not mix with
# LD_PRELOAD).  test_port_posix finds both beside its build directory;
# tests/pebble/lifecycle.sh runs $(PICOACME) under the shim.
TOOLS_BIN = $(BUILD)/faultshim.so $(BUILD)/tests/port_commit_child
$(BUILD)/faultshim.so: tests/tools/faultshim.c
	@mkdir -p $(dir $@)
	$(CC) -std=c99 $(WARN) -O2 -g -fPIC -shared -o $@ $< -ldl
$(BUILD)/tests/port_commit_child: tests/tools/port_commit_child.c $(HOST_POSIX_OBJ) $(wildcard port/*.h port/posix/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) $(CFLAGS) -o $@ $< $(HOST_POSIX_OBJ) \
	    -pthread
$(BUILD)/san/tests/test_port_posix: | $(TOOLS_BIN)

# The library in one long-lived process (tests/pebble/soak.sh): no
# sanitizers, so that its resident set is the library's own.
LOOP_BIN = $(BUILD)/tests/loop
$(LOOP_BIN): tests/tools/loop.c $(HOST_CORE_OBJ) $(HOST_POSIX_OBJ) $(wildcard core/*.h port/*.h port/posix/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) $(CFLAGS) -o $@ $< $(HOST_CORE_OBJ) \
	    $(HOST_POSIX_OBJ) -lbearssl -pthread

# The fault soak at length (make test runs 20 issuances and 10 loop runs).
soak: deps $(PICOACME_SAN) $(LOOP_BIN)
	@SOAK_RUNS=300 SOAK_LOOP=100 sh tests/pebble/soak.sh $(PICOACME_SAN) $(LOOP_BIN)

demo: deps $(PICOACME)
	@sh scripts/demo.sh $(PICOACME)

unit: $(UNIT_BIN) $(O2_UNIT_BIN) $(TOOLS_BIN)
	@sh tests/run.sh unit $(UNIT_BIN) $(O2_UNIT_BIN)

# core/ must not allocate or print: a real check on the built objects.
nomalloc: $(HOST_CORE_OBJ)
	@sh tests/nomalloc.sh $(HOST_CORE_OBJ)

integration: $(PICOACME_SAN) $(PICOACME)
	@sh tests/pebble/run.sh $(PICOACME_SAN)

test: deps deps-test fw-deps
	@$(MAKE) --no-print-directory $(UNIT_BIN) $(O2_UNIT_BIN) $(TOOLS_BIN) $(HOST_CORE_OBJ) $(PICOACME) $(PICOACME_SAN) $(PICOACME_LWIP) $(HOST_TLS_BIN) $(FLASHIMG) $(LOOP_BIN) $(FUZZ_BIN)
	@$(MAKE) --no-print-directory fw-all
	@sh tests/run.sh all

# make bench: picoacme next to uacme, lego and certbot (Debian's; bench/
# deps.sh installs them), and the firmware's flash, RAM and instructions
# per issuance; writes bench/RESULTS.md and bench/chart.svg (README shows
# the chart).  BENCH_N issuances per client (default 10).  make
# bench-smoke: one of each into a temporary directory (CI, after make
# test: benchmarks are not tests).  The bench image is the lab image with
# core/prof.h's counters (FW_VARIANT=bench).
# It measures picoacme as built (BearSSL and glibc shared) and linked
# statically (build/bench/picoacme-static: only the code it uses is
# mapped; getaddrinfo still loads glibc's NSS modules at run time).
BENCH_N ?= 10
PICOACME_STATIC = $(BUILD)/bench/picoacme-static
BENCH_TOOLS = $(BUILD)/bench/rusage $(BUILD)/bench/cashim.so
BENCH_ELF = $(FW_BUILD)/bench/picoacme.elf
BENCH_ARGS = $(PICOACME) $(BENCH_TOOLS) $(FW_ELF) $(BENCH_ELF)
$(BUILD)/bench/rusage: bench/rusage.c
	@mkdir -p $(dir $@)
	$(CC) -std=c99 -D_DEFAULT_SOURCE $(WARN) -O2 -static -o $@ $<
$(BUILD)/bench/cashim.so: bench/cashim.c
	@mkdir -p $(dir $@)
	$(CC) -std=c99 $(WARN) -O2 -fPIC -shared -o $@ $< -ldl
$(PICOACME_STATIC): $(HOST_CLI_OBJ) $(HOST_POSIX_OBJ) $(BUILD)/host/libpicoacme.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -static -o $@ $(HOST_CLI_OBJ) $(HOST_POSIX_OBJ) \
	    $(BUILD)/host/libpicoacme.a $(LIBS) 2>$@.ld || \
	    { cat $@.ld; exit 1; }
bench-build: deps fw-deps
	@sh bench/deps.sh
	@$(MAKE) --no-print-directory $(PICOACME) $(PICOACME_STATIC) $(FW_ELF) \
	    $(BENCH_TOOLS)
	@$(MAKE) --no-print-directory FW_VARIANT=bench $(BENCH_ELF)
bench: bench-build
	@BENCH_PICOACME_STATIC=$(PICOACME_STATIC) sh bench/bench.sh bench \
	    $(BENCH_N) $(BENCH_ARGS)
bench-smoke: bench-build
	@d=$$(mktemp -d) && BENCH_STRICT=1 BENCH_FW_RUNS=1 \
	    BENCH_PICOACME_STATIC=$(PICOACME_STATIC) \
	    BENCH_REJECT=0 sh bench/bench.sh $$d 1 \
	    $(BENCH_ARGS) >/dev/null; r=$$?; rm -rf $$d; exit $$r

$(BUILD)/host/bench/sizeof: bench/sizeof.c $(wildcard core/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) $(CFLAGS) -o $@ $<

# The firmware's run-time stack peak comes from its UART log of a real
# issuance (tests/qemu/acme.sh keeps it, tests/qemu/field.sh for the field
# image); made here when missing or older than the image.
FW_RUN_LOG = $(FW_OUT)/picoacme-run.log
FW_RUN_TEST = tests/qemu/$(if $(filter 1,$(FW_FIELD)),field.sh $(FW_ELF) \
    $(FLASHIMG),acme.sh $(FW_ELF))

$(FW_RUN_LOG): $(FW_ELF) $(if $(filter 1,$(FW_FIELD)),$(FLASHIMG))
	@FW_QEMU_LOG=$@ sh $(FW_RUN_TEST) >$(FW_OUT)/run-test.out 2>&1 || \
	    { cat $(FW_OUT)/run-test.out; rm -f $@; exit 1; }

# The bigger TLS profiles: the same image with tls.c built for them.  The
# public-CA one is linked within the budget (make test boots it against an
# RSA chain), without ChaCha20 (every public CA offers AES-GCM, and the
# field image leaves it out too): with the IP-literal check (x509ip.c,
# 1.5 KB) the whole profile came 1 KB over; the full one (the host's
# profile: public-CA plus AES-256 and SHA-512) is for measurement only,
# linked without the flash budget.
FW_TLS_VARIANTS = public full
FW_TLS_FLAGS_public = -DACME_TLS_PUBLIC_CA=1 -DACME_TLS_CHACHA20=0 -DACME_TLS_X25519=0
FW_TLS_FLAGS_full = -UACME_TLS_FULL -DACME_TLS_FULL=1
FW_TLS_FLASH_public = $(FW_FLASH_LEN)
FW_TLS_FLASH_full = 1M
$(FW_TLS_VARIANTS:%=$(FW_OBJ)/core/tls-%.o): $(FW_OBJ)/core/tls-%.o: core/tls.c $(FW_OUT)/app.flags Makefile | $(FW_STAMP) $(FW_BUILD)/include/jsmn.h
	@echo "  CC      $< (TLS profile $*)"
	@$(FW_CC) $(FW_CFLAGS) $(FW_WARN) $(FW_APP_CFLAGS) $(FW_TLS_FLAGS_$*) -c $< -o $@
$(FW_TLS_VARIANTS:%=$(FW_OUT)/tls-%.elf): $(FW_OUT)/tls-%.elf: $(filter-out %/core/tls.o,$(FW_ACME_OBJ)) $(FW_OBJ)/core/tls-%.o $(FW_BOARD_OBJ) $(FW_LIBS)
	@echo "  LD      $@ (flash budget $(FW_TLS_FLASH_$*))"
	@$(FW_CC) $(subst FW_FLASH_LEN=$(FW_FLASH_LEN),FW_FLASH_LEN=$(FW_TLS_FLASH_$*),$(FW_LDFLAGS)) \
	    -Wl,-Map=$(@:.elf=.map) -o $@ $(filter %.o,$^) $(FW_LIB_LINK)

size: deps fw-deps $(HOST_CORE_OBJ) $(BUILD)/host/bench/sizeof $(FW_RUN_LOG) \
    $(FW_TLS_VARIANTS:%=$(FW_OUT)/tls-%.elf)
	@$(MAKE) --no-print-directory FW_VARIANT=field \
	    $(FW_BUILD)/field/picoacme-run.log
	@sh bench/size.sh
	@echo
	@echo "firmware, lab image (Cortex-M3, $(FW_ELF)):"
	@sh $(FW_BOARD)/size.sh $(FW_ELF) $(FW_RUN_LOG)
	@echo
	@echo "firmware, field image (Cortex-M3, $(FW_FIELD_ELF)):"
	@sh $(FW_BOARD)/size.sh $(FW_FIELD_ELF) \
	    $(FW_BUILD)/field/picoacme-run.log
	@echo
	@sh bench/fw-images.sh $(FW_ELF) $(FW_RUN_LOG) $(FW_FIELD_ELF) \
	    $(FW_BUILD)/field/picoacme-run.log
	@sh bench/fw-tls.sh $(FW_ELF) $(FW_TLS_VARIANTS:%=$(FW_OUT)/tls-%.elf)
	@sh bench/fw-features.sh $(FW_OUT)/app.flags \
	    "dns-01 and wildcards (ACME_DNS01=1)::-UACME_DNS01 -DACME_DNS01=1" \
	    "IP identifiers (ACME_IP_IDENTIFIERS=1)::-UACME_IP_IDENTIFIERS -DACME_IP_IDENTIFIERS=1" \
	    "tls-alpn-01, 1 engine (ACME_TLSALPN01=1)::-UACME_TLSALPN01 -DACME_TLSALPN01=1 -DACME_TLSALPN01_SLOTS=1::ssl_hs_server.o ssl_server.o ssl_scert_single_ec.o" \
	    "no IP-literal server check (ACME_SERVER_IP=0)::-UACME_SERVER_IP -DACME_SERVER_IP=0" \
	    "no progress log lines (ACME_LOG_PROGRESS=0)::-UACME_LOG_PROGRESS -DACME_LOG_PROGRESS=0" \
	    "alternate chains, 3 kept (ACME_ALT_CHAINS=3)::-UACME_ALT_CHAINS -DACME_ALT_CHAINS=3" \
	    "P-384 keys, ES384 (ACME_KEY_P384=1)::-UACME_KEY_P384 -DACME_KEY_P384=1::ec_prime_i15.o" \
	    "RSA-2048 cert keys (ACME_KEY_RSA=1)::-UACME_KEY_RSA -DACME_KEY_RSA=1::encode_rsa_rawder.o i15_decred.o i15_moddiv.o i15_modpow2.o i15_mulacc.o i15_reduce.o i32_div32.o rsa_i15_keygen.o rsa_i15_modulus.o rsa_i15_pkcs1_sign.o rsa_i15_priv.o rsa_i15_privexp.o rsa_i15_pubexp.o rsa_pkcs1_sig_pad.o" \
	    "External Account Binding (ACME_EAB=1)::-UACME_EAB -DACME_EAB=1" \
	    "account operations (ACME_ACCOUNT_OPS=1)::-UACME_ACCOUNT_OPS -DACME_ACCOUNT_OPS=1"

# ---- libFuzzer harnesses (tests/fuzz, docs/DESIGN.md section 9) -------
# Debian's clang: core/ built once with the fuzzer's coverage hooks and
# ASan+UBSan, each harness linked against it.  `make fuzz` runs every
# target for FUZZ_SECONDS on a copy of its seed corpus; any crash, leak,
# slow input (-timeout=5) or RSS over 512 MB fails.  tests/run.sh runs
# the same with FUZZ_SECONDS=10.  `make fuzz-cov` replays the seeds and
# what `make fuzz` found through a coverage build and reports core/'s
# lines reached.
FUZZ_CC    = clang
FUZZ_SAN   = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_FLAGS = -g -O1 -fno-omit-frame-pointer $(CSTD) $(WARN) $(INC)
FUZZ_SECONDS ?= 60
FUZZ_SRC  = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/fuzz/%.o)
FUZZCOV_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzzcov/%)
FUZZCOV_CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/fuzzcov/%.o)

$(BUILD)/fuzz/core/%.o: core/%.c $(wildcard core/*.h port/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_CORE_OBJ) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< \
	    $(FUZZ_EXTRA) $(FUZZ_CORE_OBJ) $(LIBS)
# The responder harnesses play their peers with the unit tests' fake port.
FUZZ_PEERS = $(BUILD)/fuzz/fuzz_http01 $(BUILD)/fuzzcov/fuzz_http01 \
    $(BUILD)/fuzz/fuzz_tlsalpn01 $(BUILD)/fuzzcov/fuzz_tlsalpn01
$(FUZZ_PEERS): \
    FUZZ_EXTRA = -Itests/unit tests/unit/fake_listen.c
$(FUZZ_PEERS): tests/unit/fake_listen.c
.SECONDARY: $(FUZZ_CORE_OBJ) $(FUZZCOV_CORE_OBJ)
fuzz-build: $(FUZZ_BIN)
fuzz: deps $(FUZZ_BIN)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_BIN)

# Coverage: the same harnesses, instrumented for llvm-cov, with a
# replaying main (no libFuzzer: -DFUZZ_STDIN via tests/fuzz/replay.c).
$(BUILD)/fuzzcov/core/%.o: core/%.c $(wildcard core/*.h port/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fprofile-instr-generate -fcoverage-mapping -c $< -o $@
$(BUILD)/fuzzcov/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZCOV_CORE_OBJ) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fprofile-instr-generate -fcoverage-mapping \
	    -o $@ $< tests/fuzz/replay.c $(FUZZ_EXTRA) $(FUZZCOV_CORE_OBJ) $(LIBS)
fuzz-cov: deps $(FUZZCOV_BIN)
	@sh tests/fuzz/cov.sh $(FUZZCOV_BIN)

clean:
	rm -rf $(BUILD)
