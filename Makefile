# filebroker: plain GNU make, no configure step.
#
#   make                  build/filebroker, build/libfilebroker.{so,a}
#   make check            every test (unit, golden, fuzz mutation loop, integration)
#   make check SANITIZE=1 the same under ASan+UBSan
#   make demo             build and run the bundled example
#   make fuzz             libFuzzer targets with clang (FUZZ_SECONDS=N each)
#   make fuzz-merge       what make fuzz found that adds coverage, into tests/fuzz/corpus
#   make install          PREFIX=/usr/local DESTDIR= (SYSCONFDIR=, SYSTEMDUNITDIR=,
#                         LOGROTATEDIR=, BASHCOMPDIR=, ...)
#   make uninstall        the same variables: removes what that install put
#   make deps             install the build dependencies (apt-get, as root);
#                         make check and make demo do it themselves, make never
#   make check-format     the files that differ from .clang-format (make format
#                         rewrites them)
#
# The build remembers the paths it was made for ($(B)/gen/config.h, rewritten
# only when they change): `make install PREFIX=/usr` after a plain `make`
# rebuilds what embeds them.
#
# Sources are found by folder, so adding a file needs no edit here:
#   common/*.c   the text toolkit every part shares (paths, UTF-8, JSON
#                strings) and the cleanup attributes: pure, no system calls
#   policy/*.c   the pure policy library
#   client/*.c   libfilebroker (protocol codec, client calls, worker sandbox)
#   broker/*/*.c the privileged process, a folder per layer (docs/design.md,
#                "Folders"): base/ helpers, audit/ the record, core/ one
#                request, loop/ the event loop, transparent/ the seccomp
#                listener, run/ and daemon/ the two commands that serve
#   tools/*.c    check, explain, learn, audit, status: linked into the same
#                filebroker binary, never run privileged
#   broker/main.c main() alone
#   tests/unit/test_*.c      one cmocka binary each
#   tests/fuzz/fuzz_*.c      one libFuzzer target each
#   tests/integration/*.sh   integration tests, run against build/filebroker
#   tests/helpers/*.c        small programs the integration tests run
#   tests/helpers/escape/*.c the hostile worker's attacks, linked into escape

# The version is client/filebroker.h's FB_VERSION_MAJOR, _MINOR and _PATCH,
# which programs built against the library test; its FB_VERSION string must
# spell the same (checked here).  SOVERSION changes only when the ABI does
# (client/libfilebroker.map says when; libfilebroker(3), "ABI").
fb_header_version = $(shell sed -n 's/^\#define FB_VERSION_$(1) \{1,\}\([0-9]\{1,\}\)$$/\1/p' client/filebroker.h)
VERSION    := $(call fb_header_version,MAJOR).$(call fb_header_version,MINOR).$(call fb_header_version,PATCH)
ifneq ($(shell sed -n 's/^\#define FB_VERSION \{1,\}"\(.*\)"$$/\1/p' client/filebroker.h),$(VERSION))
$(error client/filebroker.h: FB_VERSION is not "$(VERSION)" (FB_VERSION_MAJOR.MINOR.PATCH): make them agree)
endif
SOVERSION  := 0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DOCDIR     ?= $(PREFIX)/share/doc/filebroker
# GNU's sysconfdir is $(PREFIX)/etc; for PREFIX=/usr it is /etc, as Debian's.
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
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

BROKER_DIRS := broker broker/base broker/audit broker/core broker/loop broker/transparent \
	broker/run broker/daemon tools
CPPFLAGS += -D_GNU_SOURCE -Icommon -Iclient -Ipolicy $(addprefix -I,$(BROKER_DIRS)) -I$(B)/gen
CFLAGS   += -std=c11 $(OPT) $(WARN) -fPIC -fstack-protector-strong -fstack-clash-protection \
	-fcf-protection
LDFLAGS  += $(SANLD) -Wl,-z,relro,-z,now -Wl,--as-needed
# libsystemd (the journal audit sink) is dlopen()ed when that sink is asked
# for, not linked: broker/audit/audit_sink.c says why.  zlib is linked: `audit`
# and `learn` inflate gzip-compressed rotated files (tools/audit_files.c);
# it costs every start about 13,000 cycles of the loader (LD_DEBUG=statistics).
LIBS      = -lseccomp -lcap -lpthread -lz

COMMON_SRC := $(sort $(wildcard common/*.c))
POLICY_SRC := $(sort $(wildcard policy/*.c))
CLIENT_SRC := $(sort $(wildcard client/*.c))
BROKER_SRC := $(sort $(filter-out broker/main.c,$(wildcard $(BROKER_DIRS:%=%/*.c))))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))
EXAMPLE_SRC := $(sort $(wildcard client/examples/*.c))

COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/obj/%.o)
POLICY_OBJ := $(POLICY_SRC:%.c=$(B)/obj/%.o)
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(B)/obj/%.o)
BROKER_OBJ := $(BROKER_SRC:%.c=$(B)/obj/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(B)/tests/helpers/%)
EXAMPLE_BIN := $(EXAMPLE_SRC:client/examples/%.c=$(B)/examples/%)
MUTATE_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/tests/mutate_%)
STATIC_HELPER := $(B)/tests/helpers/fbtool-static $(B)/tests/helpers/fbident-static

all: $(B)/filebroker $(B)/libfilebroker.so $(B)/libfilebroker.a $(B)/filebroker-preload.so \
	$(EXAMPLE_BIN)

# Only make deps, check, demo and fuzz run scripts/deps.sh (apt-get as
# root): never make alone.
deps:
	@sh scripts/deps.sh build

# The paths compiled in (broker/run/run.c finds the preload library in
# FB_PKGLIBDIR, @runtime grants FB_LIBDIR's libfilebroker: an absolute path
# with no character the policy language treats specially), written at every
# make but replaced only when they changed, so that the objects that include
# it (their .d files say which) are rebuilt exactly when PREFIX or LIBDIR is
# not what they were built with.
$(B)/gen/config.h: FORCE
	@mkdir -p $(dir $@)
	@case '$(LIBDIR)' in '' | [!/]* | *[!A-Za-z0-9/._+-]* | */ | *//* | */./* | */../* | */. | */..) \
		echo "LIBDIR='$(LIBDIR)': an absolute path of letters, digits and / . _ + -," \
			"without . or .. or a trailing / (it is compiled in)" >&2; \
		exit 1;; esac
	@printf '%s\n' '/* Generated by make from PREFIX and LIBDIR: do not edit. */' \
		'#define FB_LIBDIR "$(LIBDIR)"' '#define FB_PKGLIBDIR "$(LIBDIR)/filebroker"' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

FORCE:

$(B)/obj/%.o: %.c | $(B)/gen/config.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libcommon.a: $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libpolicy.a: $(POLICY_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libbroker.a: $(BROKER_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libfilebroker.a: $(CLIENT_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Exports exactly what client/libfilebroker.map lists, at its versions.
$(B)/libfilebroker.so: $(CLIENT_OBJ) client/libfilebroker.map
	$(CC) -shared -Wl,-soname,libfilebroker.so.$(SOVERSION) \
		-Wl,--version-script=client/libfilebroker.map $(LDFLAGS) -o $@.$(VERSION) \
		$(CLIENT_OBJ) $(LIBS)
	ln -sf libfilebroker.so.$(VERSION) $@.$(SOVERSION)
	ln -sf libfilebroker.so.$(VERSION) $@

$(B)/filebroker: $(B)/obj/broker/main.o $(B)/libbroker.a $(B)/libpolicy.a $(B)/libfilebroker.a \
		$(B)/libcommon.a
	$(CC) -pie $(LDFLAGS) -o $@ $^ $(LIBS)

# LD_PRELOADed into transparent-mode workers (client/preload/preload.c,
# and lane.c, its way to the broker): never sanitized (ASan must be the
# first library loaded), never part of libfilebroker (it interposes libc's
# fstat and open).  The wire's constants are proto.h's.
$(B)/filebroker-preload.so: client/preload/preload.c client/preload/lane.c client/preload/lane.h \
		client/proto.h common/monotime.h
	$(CC) $(CPPFLAGS) -Iclient/preload -std=c11 -O2 -g $(WARN) -fPIC -shared \
		-fstack-protector-strong -Wl,-z,relro,-z,now -o $@ $(filter %.c,$^)

$(B)/examples/%: client/examples/%.c $(B)/libfilebroker.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -pie $(LDFLAGS) -o $@ $^ $(LIBS)

# Each unit test is one .c file; the helper headers beside them
# (unit.h, fake_broker.h ...) rebuild every test when they change.
$(B)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(B)/libbroker.a $(B)/libpolicy.a \
    $(B)/libfilebroker.a $(B)/libcommon.a
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
# The headers beside them (json.h) are prerequisites, not on the line.
$(B)/tests/mutate_%: tests/fuzz/%.c tests/fuzz/mutate.c $(wildcard tests/fuzz/*.h) $(B)/libbroker.a \
    $(B)/libpolicy.a $(B)/libfilebroker.a $(B)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LIBS)

check-deps:
	@sh scripts/deps.sh check

# make check and make demo see to their dependencies first, then build in a
# sub-make, so that nothing is compiled before the packages are there.
check: check-deps
	@$(MAKE) --no-print-directory check-build
	@B=$(B) MUTATE_ITERATIONS=$(MUTATE_ITERATIONS) sh tests/run.sh

check-build: all $(UNIT_BIN) $(MUTATE_BIN) $(HELPER_BIN) $(STATIC_HELPER)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(B)

# libFuzzer with clang; each target runs FUZZ_SECONDS and reports its findings
# and its coverage before and after.  FUZZ_TARGETS picks some (default all).
# The inputs a run finds are kept in FUZZ_CORPUS/NAME (seeded from
# tests/fuzz/corpus/NAME, kept across runs: each run goes on from the last);
# `make fuzz-merge` adds those that reach code the seeds do not to
# tests/fuzz/corpus/NAME (libFuzzer's -merge=1), to be committed, so that
# every fuzz run, CI's too, starts from the coverage reached before.
FUZZ_B := build-fuzz
FUZZ_CORPUS ?= $(FUZZ_B)/corpus
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_FLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
	-Icommon -Iclient -Ipolicy $(addprefix -I,$(BROKER_DIRS)) -I$(B)/gen
FUZZ_BIN := $(FUZZ_TARGETS:%=$(FUZZ_B)/%)
# clang is there only after scripts/deps.sh: the targets are built after it.
fuzz-build:
	@sh scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BIN)

# The code under test is compiled once, instrumented, into one archive that
# every target links: not once per target.
FUZZ_OBJ := $(patsubst %.c,$(FUZZ_B)/obj/%.o,$(BROKER_SRC) $(POLICY_SRC) $(CLIENT_SRC) $(COMMON_SRC))
$(FUZZ_B)/obj/%.o: %.c $(B)/gen/config.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_B)/libfuzzed.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_B)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_B)/libfuzzed.a
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $< $(FUZZ_B)/libfuzzed.a $(LIBS)

fuzz: fuzz-build
	@FUZZ_B=$(FUZZ_B) FUZZ_CORPUS=$(FUZZ_CORPUS) FUZZ_SECONDS=$(FUZZ_SECONDS) \
		sh scripts/fuzz.sh run $(FUZZ_TARGETS)

fuzz-merge: fuzz-build
	@FUZZ_B=$(FUZZ_B) FUZZ_CORPUS=$(FUZZ_CORPUS) sh scripts/fuzz.sh merge $(FUZZ_TARGETS)

# scripts/install.sh does the work and keeps a manifest of what it put,
# which uninstall reads: it removes exactly that.
INSTALL_ENV = DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)' BINDIR='$(BINDIR)' LIBDIR='$(LIBDIR)' \
	INCLUDEDIR='$(INCLUDEDIR)' MANDIR='$(MANDIR)' PKGCONFIGDIR='$(PKGCONFIGDIR)' \
	DOCDIR='$(DOCDIR)' SYSCONFDIR='$(SYSCONFDIR)' SYSTEMDUNITDIR='$(SYSTEMDUNITDIR)' \
	LOGROTATEDIR='$(LOGROTATEDIR)' BASHCOMPDIR='$(BASHCOMPDIR)' VERSION='$(VERSION)' \
	SOVERSION='$(SOVERSION)'

install: all
	@$(INSTALL_ENV) sh scripts/install.sh install $(B)

uninstall:
	@$(INSTALL_ENV) sh scripts/install.sh uninstall $(B)

# make bench: the benchmark suite (never part of make check); docs/bench.md.
# Programs are built into $(B)/bench/; results land in $(B)/bench/results.json.
BENCH_BIN := $(B)/bench/bench_floor $(B)/bench/bench_client $(B)/bench/bench_spawn \
	$(B)/bench/bench_policy $(B)/bench/bench_transparent $(B)/bench/bench_serve \
	$(B)/bench/fbcat-static

# fbcat built static, beside the dynamic $(B)/examples/fbcat: the start-up of
# an explicit-mode worker either way (section 5).
$(B)/bench/fbcat-static: client/examples/fbcat.c $(B)/libfilebroker.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -static $(LDFLAGS) -o $@ $^ $(LIBS)

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

$(B)/bench/bench_policy: tests/bench/bench_policy.c $(B)/libpolicy.a $(B)/libcommon.a
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
# SOAK_SECONDS per run (default 180), quiet then loaded; docs/bench.md.  Then
# the write-ahead test's long form: a broker killed WAL_KILLS times (default
# 300) under a stream of changes (tests/integration/audit_wal.sh, 30 in make
# check).
soak: all $(HELPER_BIN)
	@B=$(B) sh tests/soak/soak.sh $(or $(SOAK_SECONDS),180)
	@B=$(B) FB_WAL_KILLS=$(or $(WAL_KILLS),300) sh tests/integration/audit_wal.sh

.PHONY: soak

# The C style is .clang-format's (clang-format 14, Debian 12): check-format
# lists the files that differ from it and by how many lines, format rewrites
# them; make check runs check-format (tests/integration/format.sh).  A
# hand-aligned table is fenced by /* clang-format off */ and on.  Every C file of the tree, tests included.
FORMAT_SRC := $(sort $(wildcard common/*.[ch] policy/*.[ch] client/*.[ch] client/*/*.[ch] \
	$(BROKER_DIRS:%=%/*.[ch]) tests/*/*.[ch] tests/*/*/*.[ch]))

check-format:
	@sh scripts/format.sh check $(FORMAT_SRC)

format:
	@sh scripts/format.sh fix $(FORMAT_SRC)

clean:
	rm -rf build build-san build-fuzz

.PHONY: all deps check check-build check-deps demo fuzz fuzz-build fuzz-merge install uninstall \
	check-format format clean FORCE
.PHONY: bench bench-deps
.SECONDARY:

-include $(shell find $(B) $(FUZZ_B)/obj -name '*.d' 2>/dev/null)
