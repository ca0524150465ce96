# Makefile for the passport extension (PGXS).

EXTENSION   = passport
EXTVERSION  = 0.1
MODULE_big  = passport
OBJS        = src/passport.o src/spi.o src/ids.o src/ff1.o src/ident.o \
              src/reserve.o src/status.o src/queue.o
DATA_built  = passport--$(EXTVERSION).sql
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
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The install script is assembled from the parts under sql-src/.
passport--$(EXTVERSION).sql: $(sort $(wildcard sql-src/*.sql))
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
