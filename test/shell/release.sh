#!/usr/bin/env bash
# Release metadata agrees (TAP): the control file's default version, the
# Makefile's EXTVERSION, META.json and the changelog name the same version,
# and there is an update path from every released version to it.
set -u
cd "$(dirname "$0")/../.."
n=0
check() {   # description, then a command whose output must be "t"
    local desc=$1; shift
    n=$((n + 1))
    if [ "$("$@" 2>&1)" = "t" ]; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; fi
}
control=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" passport.control)
make_version=$(sed -n 's/^EXTVERSION *= *//p' Makefile)
meta=$(perl -MJSON::PP -e 'local $/; my $m = decode_json(<STDIN>); print $m->{provides}{passport}{version}' < META.json)
check "the Makefile builds the control file's default version ($control)" \
    bash -c "[ '$make_version' = '$control' ] && echo t"
check "META.json provides that version" bash -c "[ '$meta' = '$control.0' ] && echo t"
check "the changelog has a section for it" bash -c "grep -q '^## $control ' CHANGELOG.md && echo t"
check "the README documents upgrading" bash -c "grep -q '^### Upgrading' README.md && echo t"
while read -r version commit sum script; do
    case "$version" in ''|\#*) continue ;; esac
    check "the changelog has a section for released $version" bash -c "grep -q '^## $version ' CHANGELOG.md && echo t"
    check "the installed extension offers an update path from $version to $control" \
        psql -XAtq -c "SELECT EXISTS (SELECT 1 FROM pg_extension_update_paths('passport')
                                       WHERE source = '$version' AND target = '$control' AND path IS NOT NULL)"
done < test/releases
