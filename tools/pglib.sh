# Shell functions for throwaway PostgreSQL servers of the installation that
# PG_CONFIG names (default /usr/lib/postgresql/15/bin/pg_config). Sourced by
# tools/pgcluster, the test runner, the demo and the benchmark, and by test
# suites that need several servers (the Citus cluster).
#
# A node is a directory holding its data directory and its Unix socket; it
# listens on 127.0.0.1 at a free port. Run as root, the server runs as the
# postgres user (initdb refuses root); clients connect as the superuser
# "postgres" with trust authentication, through the socket or loopback TCP.

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_BINDIR=$("$PG_CONFIG" --bindir)

# pg_as_server CMD...: runs a server-side command as the server's user.
pg_as_server() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# pg_free_port: prints a TCP port on 127.0.0.1 that nothing listens on.
pg_free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# pg_node_start DIR [name=value ...]: creates (once) and starts a node in
# DIR with the given settings; prints nothing; DIR/port holds its port. A
# node that was stopped starts again on the port it had if that is free
# (peers that know it by its port, like Citus workers, find it again).
pg_node_start() {
    local dir=$1; shift
    local port opts="" kv
    port=$(cat "$dir/last_port" 2>/dev/null || true)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres "$dir"
        chmod 755 "$dir"
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        pg_as_server "$PG_BINDIR/initdb" -D "$dir/data" -U postgres --auth=trust \
            -E UTF8 --locale=C.UTF-8 --no-sync > "$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; return 1; }
    fi
    for kv in "$@"; do
        opts+=" -c $(printf '%q' "$kv")"
    done
    for _ in 1 2 3 4 5; do
        if [ -f "$dir/port" ] && [ -f "$dir/data/postmaster.pid" ]; then
            return 0
        fi
        [ -n "$port" ] || port=$(pg_free_port) || return 1
        if pg_as_server "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
               -o "-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir \
                   -c timezone=Etc/UTC -c fsync=off$opts" \
               start > "$dir/pg_ctl.log" 2>&1; then
            echo "$port" > "$dir/port"
            echo "$port" > "$dir/last_port"
            return 0
        fi
        grep -q "could not bind\|already in use" "$dir/server.log" 2>/dev/null || break
        port=
    done
    cat "$dir/pg_ctl.log" "$dir/server.log" >&2 2>/dev/null
    return 1
}

# pg_node_stop DIR [MODE]: stops a node (MODE fast by default, or immediate).
pg_node_stop() {
    local dir=$1 mode=${2:-fast}
    [ -f "$dir/data/postmaster.pid" ] || return 0
    pg_as_server "$PG_BINDIR/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop > /dev/null 2>&1
    rm -f "$dir/port"
}

# pg_node_env DIR: exports the PG* variables that point libpq at a node.
pg_node_env() {
    export PGHOST=$1 PGPORT
    PGPORT=$(cat "$1/port")
    export PGUSER=postgres PGDATABASE=postgres
}
