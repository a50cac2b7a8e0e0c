#!/bin/sh
# Install the Debian (12, bookworm) packages keel needs to build and test.
# Runs on every `make test`, so when everything is present it only asks dpkg and exits 0.
#
# As root: adds the arm64 architecture if needed, runs `apt-get update` once and installs
# what is missing, non-interactively. Otherwise: prints the one command to run and exits 1.
#
# The arm64 libfdt.a (linked into keel.elf) comes from libfdt-dev:arm64, which cannot be
# installed next to the host's libfdt-dev (the unit tests link -lfdt): the package is not
# Multi-Arch: same, so apt would remove one to install the other. We therefore install the
# host package and take only libfdt.a out of the arm64 .deb, fetched with apt-get download.
set -eu

HOST_PKGS="gcc libc6-dev make gcc-aarch64-linux-gnu picolibc-aarch64-linux-gnu libfdt-dev
device-tree-compiler qemu-system-arm libcmocka-dev python3-pytest python3-pexpect
libc6-dev-arm64-cross"
# libc6-dev-arm64-cross: glibc for the static user-space tools of the Linux guest
# (guests/linux/tools); keel and the bare-metal guests build against picolibc.

CROSS_LIBFDT=/usr/lib/aarch64-linux-gnu/libfdt.a

host_arch=$(dpkg --print-architecture)

missing_pkgs() {
	# One dpkg-query for all packages (absent ones print nothing), then a set difference.
	# shellcheck disable=SC2086 # word splitting of the package list is intended
	installed=" $(dpkg-query -W -f='${Package} ${db:Status-Status}\n' $HOST_PKGS 2>/dev/null |
		awk '$2 == "installed" { printf "%s ", $1 }')"
	for p in $HOST_PKGS; do
		case "$installed" in
		*" $p "*) ;;
		*) printf '%s ' "$p" ;;
		esac
	done
}

missing=$(missing_pkgs | sed "s/ *$//")
need_libfdt=0
[ -f "$CROSS_LIBFDT" ] || need_libfdt=1

if [ -z "$missing" ] && [ "$need_libfdt" = 0 ]; then
	exit 0
fi

echo "install-deps: missing:${missing:+ $missing}$([ "$need_libfdt" = 1 ] && echo " $CROSS_LIBFDT (from libfdt-dev:arm64)")"

if [ "$(id -u)" != 0 ]; then
	if [ "$need_libfdt" = 0 ]; then
		echo "install-deps: run: sudo apt-get install -y --no-install-recommends $missing"
	else
		echo "install-deps: run: sudo $(cd "$(dirname "$0")" && pwd)/install-deps.sh"
	fi
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -q -y -o Dpkg::Use-Pty=0 "$@"; }

if [ "$need_libfdt" = 1 ] && [ "$host_arch" != arm64 ] &&
	! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
fi

apt_get update

if [ -n "$missing" ]; then
	# shellcheck disable=SC2086 # word splitting of the package list is intended
	apt_get install --no-install-recommends $missing
fi

if [ ! -f "$CROSS_LIBFDT" ]; then
	# On an arm64 host, the native libfdt-dev installed above already provides it.
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt_get -o APT::Sandbox::User=root download libfdt-dev:arm64)
	mkdir -p "$tmp/x"
	dpkg-deb -x "$tmp"/libfdt-dev_*_arm64.deb "$tmp/x"
	install -D -m 644 "$tmp/x$CROSS_LIBFDT" "$CROSS_LIBFDT"
	echo "install-deps: installed $CROSS_LIBFDT from $(basename "$tmp"/libfdt-dev_*_arm64.deb)"
fi

still=$(missing_pkgs | sed "s/ *$//")
if [ -n "$still" ] || [ ! -f "$CROSS_LIBFDT" ]; then
	echo "install-deps: still missing after install: $still" >&2
	exit 1
fi
echo "install-deps: all dependencies installed"
