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
LIBS     = -lbearssl

CORE_SRC = $(wildcard core/*.c)
POSIX_SRC = $(wildcard port/posix/*.c)
CLI_SRC  = $(wildcard cli/*.c)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_LIB = $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))

HOST_CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/host/%.o)
HOST_POSIX_OBJ = $(POSIX_SRC:%.c=$(BUILD)/host/%.o)
HOST_CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/host/%.o)
SAN_CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/san/%.o)
SAN_POSIX_OBJ = $(POSIX_SRC:%.c=$(BUILD)/san/%.o)
SAN_CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/san/%.o)
SAN_UNIT_LIB_OBJ = $(UNIT_LIB:%.c=$(BUILD)/san/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/san/tests/%)

PICOACME = $(BUILD)/host/picoacme
PICOACME_SAN = $(BUILD)/san/picoacme

.PHONY: all deps demo test unit nomalloc integration bench size clean

all: $(PICOACME)

deps:
	@sh scripts/deps.sh

$(BUILD)/host/%.o: %.c $(wildcard core/*.h port/*.h port/posix/*.h cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) $(CFLAGS) -c $< -o $@

$(BUILD)/san/%.o: %.c $(wildcard core/*.h port/*.h port/posix/*.h cli/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) -Itests/unit $(SANFLAGS) -c $< -o $@

$(BUILD)/host/libpicoacme.a: $(HOST_CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(PICOACME): $(HOST_CLI_OBJ) $(HOST_POSIX_OBJ) $(BUILD)/host/libpicoacme.a
	$(CC) $(CFLAGS) -o $@ $(HOST_CLI_OBJ) $(HOST_POSIX_OBJ) \
	    $(BUILD)/host/libpicoacme.a $(LIBS)

$(PICOACME_SAN): $(SAN_CLI_OBJ) $(SAN_POSIX_OBJ) $(SAN_CORE_OBJ)
	$(CC) $(SANFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/san/tests/test_%: $(BUILD)/san/tests/unit/test_%.o $(SAN_UNIT_LIB_OBJ) $(SAN_CORE_OBJ) $(SAN_POSIX_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(SANFLAGS) -o $@ $^ $(LIBS)

demo: deps $(PICOACME)
	@sh scripts/demo.sh $(PICOACME)

unit: $(UNIT_BIN)
	@sh tests/run.sh unit $(UNIT_BIN)

# core/ must not allocate or print: a real check on the built objects.
nomalloc: $(HOST_CORE_OBJ)
	@sh tests/nomalloc.sh $(HOST_CORE_OBJ)

integration: $(PICOACME_SAN) $(PICOACME)
	@sh tests/pebble/run.sh $(PICOACME_SAN)

test: deps
	@$(MAKE) --no-print-directory $(UNIT_BIN) $(HOST_CORE_OBJ) $(PICOACME) $(PICOACME_SAN)
	@sh tests/run.sh all

bench: deps $(PICOACME)
	@sh bench/run.sh $(PICOACME)

$(BUILD)/host/bench/sizeof: bench/sizeof.c $(wildcard core/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(INC) $(CFLAGS) -o $@ $<

size: $(HOST_CORE_OBJ) $(BUILD)/host/bench/sizeof
	@sh bench/size.sh

clean:
	rm -rf $(BUILD)
