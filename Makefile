# algoreg — one GNU Makefile (see README.md). `make run` and `make test` are the two
# entry points; both install missing Debian and npm packages first.

PKGS      := libmicrohttpd jansson sqlite3 libsodium gumbo libcurl yaml-0.1 libsystemd xlsxwriter cjose libpq
CC        ?= gcc
CSTD      := -std=c17 -D_GNU_SOURCE
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
CFLAGS_PK := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS      := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
OPT       ?= -O2 -g
SAN       := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BUILD     := build
SRC_DIRS  := base json store model quality log auth oidc notice exception approval aiact sheet http api web cli
LIB_SRC   := $(filter-out src/cli/%,$(foreach d,$(SRC_DIRS),$(wildcard src/$(d)/*.c)))
CLI_SRC   := $(wildcard src/cli/*.c)

NODE_CSS  := node_modules/@rijkshuisstijl-community/design-tokens/dist/index.css \
             node_modules/@rijkshuisstijl-community/components-css/dist/index.css
ASSET_FILES := $(wildcard src/store/migrations/*/*.sql) $(wildcard web/templates/*.html) \
               $(wildcard web/i18n/*.json) $(wildcard web/static/*) src/api/openapi.json data/demo/registrations.jsonl data/demo/withheld.json \
               data/aiact/config.json data/aiact/algoreg-tree.yaml data/demo/aiact.json \
               data/quality/jargon.json
ASSET_ARGS  = $(foreach f,$(wildcard src/store/migrations/*/*.sql),$(patsubst src/store/%,%,$(f))=$(f)) \
              $(foreach f,$(wildcard web/templates/*.html),templates/$(notdir $(f))=$(f)) \
              $(foreach f,$(wildcard web/i18n/*.json),i18n/$(notdir $(f))=$(f)) \
              $(foreach f,$(wildcard web/static/*),static/$(notdir $(f))=$(f)) \
              static/nlds-tokens.css=node_modules/@rijkshuisstijl-community/design-tokens/dist/index.css \
              static/nlds-components.css=node_modules/@rijkshuisstijl-community/components-css/dist/index.css \
              openapi.json=src/api/openapi.json \
              demo/registrations.jsonl=data/demo/registrations.jsonl \
              demo/withheld.json=data/demo/withheld.json \
              demo/aiact.json=data/demo/aiact.json \
              quality/jargon.json=data/quality/jargon.json \
              aiact/config.json=data/aiact/config.json \
              aiact/algoreg-tree.yaml=data/aiact/algoreg-tree.yaml

.PHONY: all deps run test bench clean format-check fuzz deb

all: $(BUILD)/algoreg

deps:
	@scripts/deps.sh

$(NODE_CSS): package.json package-lock.json
	@scripts/deps.sh

$(BUILD)/embed: tools/embed.c
	@mkdir -p $(BUILD)
	$(CC) -O1 -o $@ $<

$(BUILD)/assets.c: $(BUILD)/embed $(ASSET_FILES) $(NODE_CSS)
	@echo "  EMBED   $@"
	@$(BUILD)/embed $@ $(ASSET_ARGS)

# Release objects
$(BUILD)/rel/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CSTD) $(WARN) $(OPT) $(CPPFLAGS) -Isrc $(CFLAGS_PK) -MMD -MP -c -o $@ $<
$(BUILD)/rel/assets.o: $(BUILD)/assets.c
	@$(CC) $(CSTD) -O0 $(filter -f%,$(OPT)) -Isrc -c -o $@ $<

# Sanitizer objects for the test build
$(BUILD)/san/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC san  $<"
	@$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) -Isrc $(CFLAGS_PK) -MMD -MP -c -o $@ $<
$(BUILD)/san/assets.o: $(BUILD)/assets.c
	@$(CC) $(CSTD) -O0 -Isrc -c -o $@ $<

REL_OBJ := $(patsubst src/%.c,$(BUILD)/rel/%.o,$(LIB_SRC)) $(BUILD)/rel/assets.o
SAN_OBJ := $(patsubst src/%.c,$(BUILD)/san/%.o,$(LIB_SRC)) $(BUILD)/san/assets.o

$(BUILD)/algoreg: $(REL_OBJ) $(patsubst src/%.c,$(BUILD)/rel/%.o,$(CLI_SRC))
	@echo "  LINK    $@"
	@$(CC) $(OPT) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/algoreg-san: $(SAN_OBJ) $(patsubst src/%.c,$(BUILD)/san/%.o,$(CLI_SRC))
	@echo "  LINK    $@"
	@$(CC) $(SAN) -o $@ $^ $(LIBS)

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

$(BUILD)/tests/%: tests/unit/%.c $(SAN_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST    $<"
	@$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) -Isrc -Itests $(CFLAGS_PK) -o $@ $< $(SAN_OBJ) $(LIBS) -lcmocka

# Fuzz targets (libFuzzer, clang): tests/fuzz/fuzz_*.c against the library built with
# coverage and ASan+UBSan. scripts/fuzz.sh runs each for a bounded time.
FUZZ_CC   := clang
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -g -O1
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_OBJ  := $(patsubst src/%.c,$(BUILD)/fuzzobj/%.o,$(LIB_SRC)) $(BUILD)/fuzzobj/assets.o

$(BUILD)/fuzzobj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@$(FUZZ_CC) $(CSTD) $(WARN) -Wno-string-concatenation $(FUZZ_FLAGS) -Isrc $(CFLAGS_PK) -MMD -MP -c -o $@ $<
$(BUILD)/fuzzobj/assets.o: $(BUILD)/assets.c
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(CSTD) -O0 -Isrc -c -o $@ $<
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $<"
	@$(FUZZ_CC) $(CSTD) $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer -Isrc $(CFLAGS_PK) -o $@ $< $(FUZZ_OBJ) $(LIBS)

.SECONDARY: $(FUZZ_OBJ)

fuzz: $(FUZZ_BINS)
	@scripts/fuzz.sh

# The entry points install packages first, then build in a fresh make, so pkg-config
# flags are read after the libraries exist on a new machine.
run: deps
	@$(MAKE) --no-print-directory $(BUILD)/algoreg
	@mkdir -p var
	@test -f var/algoreg.db || $(BUILD)/algoreg init --db var/algoreg.db --demo
	$(BUILD)/algoreg serve --db var/algoreg.db --listen 127.0.0.1:8080

test:
	@scripts/deps.sh --test
	@$(MAKE) --no-print-directory format-check $(BUILD)/algoreg $(BUILD)/algoreg-san $(UNIT_BINS) $(FUZZ_BINS)
	@scripts/run-tests.sh

bench: deps
	@scripts/bench.sh
	@scripts/bench-pg.sh

# The Debian package, built by dpkg-buildpackage from a copy of the tree (the NL Design
# System style sheets included, nothing else of node_modules) into build/deb/, then
# checked by lintian. scripts/deb.sh says where the .deb is.
deb: deps
	@scripts/deb.sh

format-check:
	@clang-format --dry-run --Werror $(LIB_SRC) $(CLI_SRC) $(wildcard src/*/*.h) $(UNIT_SRC) $(FUZZ_SRC)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

$(BUILD)/logbench: bench/logbench.c $(REL_OBJ)
	@echo "  LINK    $@"
	@$(CC) $(CSTD) $(WARN) $(OPT) -Isrc $(CFLAGS_PK) -o $@ $< $(REL_OBJ) $(LIBS)
