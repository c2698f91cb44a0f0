#!/usr/bin/env bash
# Installs what vkemu needs on a Debian 12 machine, idempotently: Unicorn >= 2.1 (from the
# trixie suite with a low pin, derived from this machine's own apt sources), clang + lld for
# guest C programs, Go >= 1.22 for guest Go programs, qemu-user for the benchmark baseline,
# and npm packages. Quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
have_unicorn() {
  pkg-config --exists 'unicorn >= 2.1' 2>/dev/null
}
have_go() {
  command -v go >/dev/null 2>&1 || [ -x /usr/lib/go/bin/go ] || return 1
  local v; v=$( (command -v go >/dev/null && go env GOVERSION) || /usr/lib/go/bin/go env GOVERSION)
  v=${v#go}; local major=${v%%.*}; local rest=${v#*.}; local minor=${rest%%.*}
  [ "$major" -gt 1 ] || [ "$minor" -ge 22 ]
}
have_unicorn || need_apt+=(libunicorn-dev)
have_go || need_apt+=(golang-go)
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
command -v ld.lld >/dev/null 2>&1 || need_apt+=(lld)
command -v qemu-x86_64 >/dev/null 2>&1 || need_apt+=(qemu-user)
command -v gdb >/dev/null 2>&1 || need_apt+=(gdb)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
# Image tools for vkd root images (UFS) and vcd ISO images.
command -v makefs >/dev/null 2>&1 || need_apt+=(makefs)
command -v xorriso >/dev/null 2>&1 || need_apt+=(xorriso)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
# ping(8) from a test's network namespace to vkmini's vke interfaces.
command -v ping >/dev/null 2>&1 || need_apt+=(iputils-ping)
# nc(1): the host end of TCP transfers to and from a guest (real-DragonFly tests and benchmarks).
command -v nc >/dev/null 2>&1 || need_apt+=(netcat-openbsd)

if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  src=/etc/apt/sources.list.d/debian.sources
  trixie=/etc/apt/sources.list.d/vkemu-trixie.sources
  if [ ! -f "$trixie" ]; then
    if [ -f "$src" ]; then
      # The first stanza of the machine's own Debian entry, with the suite renamed.
      awk 'BEGIN{RS="";ORS="\n\n"} NR==1' "$src" |
        sed -E 's/^Suites:.*/Suites: trixie/' > "$trixie"
    elif [ -f /etc/apt/sources.list ]; then
      grep -E '^deb .* bookworm( |$)' /etc/apt/sources.list | head -n1 |
        sed -E 's/ bookworm / trixie /' > /etc/apt/sources.list.d/vkemu-trixie.list
    fi
    cat > /etc/apt/preferences.d/vkemu-trixie <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  fi
  apt-get update -qq
  pkgs=()
  for p in "${need_apt[@]}"; do
    case $p in
      libunicorn-dev) pkgs+=(libunicorn-dev/trixie) ;;
      # golang-go's dependencies must come from trixie too; name them, so nothing else does.
      golang-go) pkgs+=(golang-go/trixie golang-src/trixie golang-1.24-go/trixie golang-1.24-src/trixie) ;;
      *) pkgs+=("$p") ;;
    esac
  done
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

# package.json "engines": what the lockfile needs (vite, under vitest, wants ^20.19 || >= 22.12).
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)'; then
  echo "setup.sh: node $(node --version) is too old or unsupported: vkemu needs Node ^20.19.0 || >=22.12.0 (package.json engines)" >&2
  exit 1
fi
# By content, not by time: a fresh checkout (a clone, a worktree sharing node_modules) has a
# newer package.json without any change in what it asks for.
deps=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if ! [ -d node_modules ] || [ "$(cat node_modules/.vkemu-deps 2>/dev/null)" != "$deps" ]; then
  npm install --no-audit --no-fund --loglevel=error
  echo "$deps" > node_modules/.vkemu-deps
fi
