# Shell functions for a throwaway Citus cluster of the installation that
# PG_CONFIG names: a coordinator and two workers on 127.0.0.1, each a node
# of tools/pglib.sh under one base directory (BASE/coordinator,
# BASE/worker1, BASE/worker2). Sourced by the Citus suite and by
# test/citus/cluster. Citus must be installed (test/citus/build-citus).
#
# A caller starts the cluster, makes a database on it and stops it from an
# EXIT trap, so that no server outlives the script, even after a failure:
#
#   base=$(mktemp -d /tmp/citus.XXXXXX)
#   trap 'citus_cluster_remove "$base"' EXIT
#   citus_cluster_start "$base"
#   citus_database "$base" mydb
#   citus_psql "$base" coordinator -d mydb -c 'SELECT ...'

. "$(dirname "${BASH_SOURCE[0]}")/../../tools/pglib.sh"

CITUS_NODES=(coordinator worker1 worker2)
CITUS_WORKERS=(worker1 worker2)

# Settings of every node: Citus preloaded; prepared transactions for the
# two-phase commits of multi-shard writes; plain TCP between the nodes (no
# certificate on a loopback test cluster); a short 2PC recovery interval
# so that a test sees transactions of a crashed worker resolved quickly.
CITUS_SETTINGS=(shared_preload_libraries=citus max_prepared_transactions=200
                max_connections=200 citus.node_conninfo=sslmode=disable
                citus.recover_2pc_interval=1s)

# citus_node_start BASE NODE [name=value ...]: starts (creating it once) one
# node; a node that was stopped comes back on its port.
citus_node_start() {
    local base=$1 node=$2; shift 2
    pg_node_start "$base/$node" "${CITUS_SETTINGS[@]}" "$@"
}

# citus_node_stop BASE NODE [MODE]: stops one node, fast by default;
# MODE immediate is a crash (no checkpoint, no clean disconnect).
citus_node_stop() {
    pg_node_stop "$1/$2" "${3:-fast}"
}

# citus_port BASE NODE: prints a node's port.
citus_port() {
    cat "$1/$2/last_port"
}

# citus_psql BASE NODE [psql args...]: psql (no psqlrc, stop on error) as
# the superuser against one node, over its Unix socket.
citus_psql() {
    local base=$1 node=$2; shift 2
    psql -X -v ON_ERROR_STOP=1 -h "$base/$node" -p "$(citus_port "$base" "$node")" \
        -U postgres "$@"
}

# citus_cluster_start BASE [name=value ...]: starts the coordinator and the
# two workers with the given extra settings.
citus_cluster_start() {
    local base=$1 node; shift
    for node in "${CITUS_NODES[@]}"; do
        citus_node_start "$base" "$node" "$@" || return 1
    done
}

# citus_database BASE DB [EXTENSION ...]: creates DB on every node with
# citus and the extensions named (default passport), then registers the
# coordinator and the workers in the coordinator's metadata.
citus_database() {
    local base=$1 db=$2 node ext; shift 2
    local exts=("$@")
    [ ${#exts[@]} -gt 0 ] || exts=(passport)
    for node in "${CITUS_NODES[@]}"; do
        citus_psql "$base" "$node" -qAt -d postgres -c "CREATE DATABASE $db" || return 1
        citus_psql "$base" "$node" -qAt -d "$db" -c 'CREATE EXTENSION citus' || return 1
        for ext in "${exts[@]}"; do
            citus_psql "$base" "$node" -qAt -d "$db" -c "CREATE EXTENSION $ext" || return 1
        done
    done
    citus_psql "$base" coordinator -qAt -d "$db" \
        -c "SELECT citus_set_coordinator_host('127.0.0.1', $(citus_port "$base" coordinator))" \
        > /dev/null || return 1
    for node in "${CITUS_WORKERS[@]}"; do
        citus_psql "$base" coordinator -qAt -d "$db" \
            -c "SELECT citus_add_node('127.0.0.1', $(citus_port "$base" "$node"))" \
            > /dev/null || return 1
    done
}

# citus_cluster_stop BASE [MODE]: stops every node (fast by default).
citus_cluster_stop() {
    local base=$1 mode=${2:-fast} node
    for node in "${CITUS_NODES[@]}"; do
        [ -d "$base/$node" ] && pg_node_stop "$base/$node" "$mode"
    done
    return 0
}

# citus_cluster_remove BASE: stops every node at once (immediate) and
# removes the base directory; for EXIT traps.
citus_cluster_remove() {
    local base=$1
    [ -n "$base" ] && [ -d "$base" ] || return 0
    citus_cluster_stop "$base" immediate
    rm -rf "$base"
}
