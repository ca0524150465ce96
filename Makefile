# Makefile for the passport extension (PGXS).
#
# Releases: a released script is committed as it shipped and never edited
# (test/released.sha256 holds its checksum; the upgrade suite checks it).
# A fresh install of the current version runs the released base script and
# the update scripts after it, as PostgreSQL's contrib modules do; the update
# script of the version under development is assembled from its parts under
# sql-src/<version>/.

EXTENSION   = passport
EXTVERSION  = 0.2
MODULE_big  = passport
OBJS        = src/passport.o src/common.o src/spi.o src/ids.o src/ff1.o src/ident.o \
              src/reserve.o src/guard.o src/status.o src/sweep.o src/queue.o src/outbox.o src/access.o \
              src/entry.o src/compat.o
DATA        = passport--0.1.sql
DATA_built  = passport--0.1--0.2.sql
SHLIB_LINK  = -lcrypto
PG_CPPFLAGS = -Isrc
PG_CFLAGS   = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
              -Wno-missing-field-initializers

REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=.
ISOLATION    = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --inputdir=.

EXTRA_CLEAN = output_iso test/unit/test_ident \
              test/fuzz/fuzz_ident

PG_CONFIG ?= pg_config

# Supported PostgreSQL: 15 (the version every suite runs against).
PG_MAJOR := $(shell $(PG_CONFIG) --version 2>/dev/null | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')
ifeq ($(PG_MAJOR),)
$(error cannot run $(PG_CONFIG): set PG_CONFIG to the pg_config of PostgreSQL 15)
endif
ifneq ($(PG_MAJOR),15)
$(error passport supports PostgreSQL 15; $(PG_CONFIG) belongs to PostgreSQL $(PG_MAJOR))
endif

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Every object (and its bitcode, with JIT support) depends on the shared
# headers: a changed struct must not leave an object built with the old one.
$(OBJS) $(if $(with_llvm:no=),$(OBJS:.o=.bc)): $(wildcard src/*.h)

# The update script of the version under development, from its parts.
passport--0.1--0.2.sql: $(sort $(wildcard sql-src/0.2/*.sql))
	cat $^ > $@

# Unit tests and fuzzer of the pure C code (no PostgreSQL headers).
test/unit/test_ident: test/unit/test_ident.c src/ff1.c src/ident.c src/ff1.h src/ident.h
	$(CC) -O2 -Wall -Wextra -Werror -Isrc -o $@ test/unit/test_ident.c src/ff1.c src/ident.c -lcrypto

test/fuzz/fuzz_ident: test/fuzz/fuzz_ident.c src/ff1.c src/ident.c src/ff1.h src/ident.h
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Isrc -o $@ test/fuzz/fuzz_ident.c src/ff1.c src/ident.c -lcrypto

.PHONY: unit fuzz
unit: test/unit/test_ident
fuzz: test/fuzz/fuzz_ident

# The two server suites separately, so that one failing does not hide the
# other (test/run calls both).
.PHONY: installcheck-regress installcheck-isolation
installcheck-regress:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)
installcheck-isolation:
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION)

# The daemons (gateway/, their own Makefile): passport-whatsapp, its
# sanitizer build, and the tools its tests, demo and benchmark use.
.PHONY: gateway gateway-asan gateway-test-tools gateway-fuzz
gateway:
	$(MAKE) -C gateway all
gateway-asan:
	$(MAKE) -C gateway asan
gateway-test-tools:
	$(MAKE) -C gateway test-tools
gateway-fuzz:
	$(MAKE) -C gateway fuzz
