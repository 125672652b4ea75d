# filebroker: plain GNU make, no configure step.
#
#   make                  build/filebroker, build/libfilebroker.{so,a}
#   make check            every test (unit, golden, fuzz mutation loop, integration)
#   make check SANITIZE=1 the same under ASan+UBSan
#   make demo             build and run the bundled example
#   make fuzz             libFuzzer targets with clang (FUZZ_SECONDS=N each)
#   make install          PREFIX=/usr/local DESTDIR= (SYSTEMDUNITDIR=, LOGROTATEDIR=)
#
# Sources are found by folder, so adding a file needs no edit here:
#   policy/*.c   the pure policy library
#   client/*.c   libfilebroker (protocol codec, client calls, worker sandbox)
#   broker/*.c   the privileged process; broker/main.c holds main() alone
#   tests/unit/test_*.c      one cmocka binary each
#   tests/fuzz/fuzz_*.c      one libFuzzer target each
#   tests/integration/*.sh   integration tests, run against build/filebroker
#   tests/helpers/*.c        small programs the integration tests run
#   tests/helpers/escape/*.c the hostile worker's attacks, linked into escape

VERSION    := 0.1.0
SOVERSION  := 0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DOCDIR     ?= $(PREFIX)/share/doc/filebroker
# systemd's own unit folder when it says (pkg-config), else one under PREFIX.
SYSTEMDUNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),$(PREFIX)/lib/systemd/system)
# An example, as the units are; packagers install it with LOGROTATEDIR=/etc/logrotate.d.
LOGROTATEDIR ?= $(DOCDIR)/examples/logrotate.d
DESTDIR    ?=

CC       ?= cc
B        := build
SANITIZE ?=
FUZZ_SECONDS ?= 10
MUTATE_ITERATIONS ?= 20000

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wswitch-enum -Wpointer-arith -Wundef -Wvla -Wcast-align \
	-Wimplicit-fallthrough -Wno-missing-field-initializers

ifeq ($(SANITIZE),1)
OPT    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SANLD  := -fsanitize=address,undefined
B      := build-san
else
OPT    := -O2 -g -D_FORTIFY_SOURCE=3
SANLD  :=
endif

CPPFLAGS += -D_GNU_SOURCE -Iclient -Ipolicy -Ibroker -DFB_VERSION='"$(VERSION)"' \
	-DFB_PKGLIBDIR='"$(LIBDIR)/filebroker"'
CFLAGS   += -std=c11 $(OPT) $(WARN) -fPIC -fstack-protector-strong -fstack-clash-protection \
	-fcf-protection
LDFLAGS  += $(SANLD) -Wl,-z,relro,-z,now -Wl,--as-needed
# libsystemd (the journal audit sink) is dlopen()ed when that sink is asked
# for, not linked: broker/audit_sink.c says why.
LIBS      = -lseccomp -lcap -lpthread

POLICY_SRC := $(sort $(wildcard policy/*.c))
CLIENT_SRC := $(sort $(wildcard client/*.c))
BROKER_SRC := $(sort $(filter-out broker/main.c,$(wildcard broker/*.c)))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))
EXAMPLE_SRC := $(sort $(wildcard client/examples/*.c))

POLICY_OBJ := $(POLICY_SRC:%.c=$(B)/obj/%.o)
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(B)/obj/%.o)
BROKER_OBJ := $(BROKER_SRC:%.c=$(B)/obj/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(B)/tests/helpers/%)
EXAMPLE_BIN := $(EXAMPLE_SRC:client/examples/%.c=$(B)/examples/%)
MUTATE_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/tests/mutate_%)
STATIC_HELPER := $(B)/tests/helpers/fbtool-static $(B)/tests/helpers/fbident-static

all: deps $(B)/filebroker $(B)/libfilebroker.so $(B)/libfilebroker.a $(B)/filebroker-preload.so \
	$(EXAMPLE_BIN)

deps:
	@sh scripts/deps.sh build

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libpolicy.a: $(POLICY_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libbroker.a: $(BROKER_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libfilebroker.a: $(CLIENT_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libfilebroker.so: $(CLIENT_OBJ)
	$(CC) -shared -Wl,-soname,libfilebroker.so.$(SOVERSION) $(LDFLAGS) -o $@.$(VERSION) $^ $(LIBS)
	ln -sf libfilebroker.so.$(VERSION) $@.$(SOVERSION)
	ln -sf libfilebroker.so.$(VERSION) $@

$(B)/filebroker: $(B)/obj/broker/main.o $(B)/libbroker.a $(B)/libpolicy.a $(B)/libfilebroker.a
	$(CC) -pie $(LDFLAGS) -o $@ $^ $(LIBS)

# LD_PRELOADed into transparent-mode workers (client/preload/preload.c):
# never sanitized (ASan must be the first library loaded), never part of
# libfilebroker (it interposes libc's fstat).
$(B)/filebroker-preload.so: client/preload/preload.c
	$(CC) $(CPPFLAGS) -std=c11 -O2 -g $(WARN) -fPIC -shared -fstack-protector-strong \
		-Wl,-z,relro,-z,now -o $@ $<

$(B)/examples/%: client/examples/%.c $(B)/libfilebroker.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -pie $(LDFLAGS) -o $@ $^ $(LIBS)

# Each unit test is one .c file; the helper headers beside them
# (unit.h, fake_broker.h ...) rebuild every test when they change.
$(B)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(B)/libbroker.a $(B)/libpolicy.a \
    $(B)/libfilebroker.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $(filter-out %.h,$^) \
	    $(LIBS) -lcmocka

# The helpers run as sandboxed workers, where a sanitizer runtime cannot
# read /proc/self/maps: they are built from source without sanitizers, also
# in the sanitizer build (it is the broker that is under test there).
HELPER_CFLAGS := -std=c11 -O2 -g $(WARN) -fstack-protector-strong
$(B)/tests/helpers/%: tests/helpers/%.c $(CLIENT_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(HELPER_CFLAGS) -o $@ $^ $(LIBS)

# The hostile worker is escape.c (the harness) and tests/helpers/escape/
# (its attacks, and the header they share): the folder is not a helper of
# its own, and its headers are prerequisites but not on the compile line.
$(B)/tests/helpers/escape: tests/helpers/escape.c $(wildcard tests/helpers/escape/*.c) \
		$(wildcard tests/helpers/escape/*.h) $(CLIENT_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(HELPER_CFLAGS) -o $@ $(filter %.c,$^) $(LIBS)

# Static workers, for --explicit mode (they cannot load libraries there).
$(B)/tests/helpers/%-static: tests/helpers/%.c $(CLIENT_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(HELPER_CFLAGS) -static -o $@ $^ $(LIBS)

# The fuzz targets double as a mutation loop under gcc: tests/fuzz/mutate.c
# supplies main(), replays the seed corpus and feeds mutated copies of it.
$(B)/tests/mutate_%: tests/fuzz/%.c tests/fuzz/mutate.c $(B)/libbroker.a $(B)/libpolicy.a $(B)/libfilebroker.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $^ $(LIBS)

check-deps:
	@sh scripts/deps.sh check

check: check-deps all $(UNIT_BIN) $(MUTATE_BIN) $(HELPER_BIN) $(STATIC_HELPER)
	@B=$(B) MUTATE_ITERATIONS=$(MUTATE_ITERATIONS) sh tests/run.sh

demo: all
	@sh scripts/demo.sh $(B)

# libFuzzer with clang; each target runs FUZZ_SECONDS and reports its findings.
FUZZ_B := build-fuzz
FUZZ_FLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
	-Iclient -Ipolicy -Ibroker -DFB_VERSION='"$(VERSION)"' -DFB_PKGLIBDIR='"$(LIBDIR)/filebroker"'
fuzz:
	@sh scripts/deps.sh fuzz
	@mkdir -p $(FUZZ_B)
	@set -e; for t in $(FUZZ_SRC:tests/fuzz/%.c=%); do \
		clang $(FUZZ_FLAGS) -o $(FUZZ_B)/$$t tests/fuzz/$$t.c \
			$(filter-out broker/main.c,$(wildcard broker/*.c)) $(POLICY_SRC) $(CLIENT_SRC) $(LIBS); \
	done
	@FUZZ_B=$(FUZZ_B) FUZZ_SECONDS=$(FUZZ_SECONDS) sh scripts/fuzz.sh $(FUZZ_SRC:tests/fuzz/%.c=%)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(B)/filebroker $(DESTDIR)$(BINDIR)/filebroker
	install -m 0644 $(B)/libfilebroker.a $(DESTDIR)$(LIBDIR)/libfilebroker.a
	install -m 0755 $(B)/libfilebroker.so.$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libfilebroker.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libfilebroker.so.$(SOVERSION)
	ln -sf libfilebroker.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libfilebroker.so
	install -d $(DESTDIR)$(LIBDIR)/filebroker
	install -m 0644 $(B)/filebroker-preload.so $(DESTDIR)$(LIBDIR)/filebroker/
	install -m 0644 client/filebroker.h $(DESTDIR)$(INCLUDEDIR)/filebroker.h
	install -m 0644 client/proto.h $(DESTDIR)$(INCLUDEDIR)/filebroker-proto.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' client/filebroker.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/filebroker.pc
	for m in docs/*.1; do [ -e "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man1/ || true; done
	for m in docs/*.3; do [ -e "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man3/ || true; done
	for m in docs/*.5; do [ -e "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man5/ || true; done
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(LOGROTATEDIR)
	for u in filebroker.socket filebroker.service; do \
		sed -e 's|/usr/local/bin/filebroker|$(BINDIR)/filebroker|g' docs/systemd/$$u \
			> $(DESTDIR)$(SYSTEMDUNITDIR)/$$u && chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
	install -m 0644 docs/logrotate/filebroker $(DESTDIR)$(LOGROTATEDIR)/filebroker

# make bench: the benchmark suite (never part of make check); docs/bench.md.
# Programs are built into $(B)/bench/; results land in $(B)/bench/results.json.
BENCH_BIN := $(B)/bench/bench_floor $(B)/bench/bench_client $(B)/bench/bench_spawn \
	$(B)/bench/bench_policy $(B)/bench/bench_transparent $(B)/bench/bench_serve

# Static: a sandboxed worker with a 1-rule policy cannot load libraries.
$(B)/bench/bench_client: tests/bench/bench_client.c tests/bench/bench_util.c $(B)/libfilebroker.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -static $(LDFLAGS) -o $@ $^ $(LIBS)

# Static too: plain open()/stat() under the transparent mode, same policies.
$(B)/bench/bench_transparent: tests/bench/bench_transparent.c tests/bench/bench_util.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -static $(LDFLAGS) -o $@ $^

# The daemon's workers: libfilebroker's calls, and its codec for the idle peers.
$(B)/bench/bench_serve: tests/bench/bench_serve.c tests/bench/bench_util.c $(B)/libfilebroker.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -pie $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/bench/bench_policy: tests/bench/bench_policy.c $(B)/libpolicy.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -pie $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/bench/bench_%: tests/bench/bench_%.c tests/bench/bench_util.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -pie $(LDFLAGS) -o $@ $^

bench: all $(BENCH_BIN)
	@B=$(B) sh scripts/bench.sh

bench-deps:
	@sh scripts/bench.sh deps

# make soak: an honest worker served beside hostile ones (tests/soak/soak.sh),
# SOAK_SECONDS per run (default 180), quiet then loaded; docs/bench.md.
soak: all $(HELPER_BIN)
	@B=$(B) sh tests/soak/soak.sh $(or $(SOAK_SECONDS),180)

.PHONY: soak

check-format:
	clang-format --dry-run --Werror $(POLICY_SRC) $(CLIENT_SRC) $(BROKER_SRC) broker/main.c \
		$(wildcard */*.h)

clean:
	rm -rf build build-san build-fuzz

.PHONY: all deps check check-deps demo fuzz install check-format clean
.PHONY: bench bench-deps
.SECONDARY:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
