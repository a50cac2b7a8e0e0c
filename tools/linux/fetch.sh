#!/bin/sh
# Fetch the reference Linux guest's parts from Debian 12's arm64 archive, unmodified:
#   kernel   the newest linux-image-6.1.0-NN-arm64-unsigned  ->  OUT/Image (+ kernel.config)
#   busybox  busybox-static                                   ->  OUT/busybox
#
#   tools/linux/fetch.sh kernel|busybox OUT
#
# The .debs are kept in OUT/debs: once one is there it is used as is and nothing is
# downloaded again (delete it to move to a newer kernel). Needs only apt-get, apt-cache and
# dpkg-deb, and the arm64 architecture in dpkg (tools/install-deps.sh adds it; as root this
# script adds it too). As root it runs `apt-get update` when the package lists lack the
# package or name a file the mirror no longer has (Debian replaces kernel ABIs, NN above).
set -eu

what=${1:?usage: fetch.sh kernel|busybox OUT}
out=${2:?usage: fetch.sh kernel|busybox OUT}
debs=$out/debs
KERNEL_RE='^linux-image-6\.1\.0-[0-9]+-arm64-unsigned$'

say() { echo "fetch: $*" >&2; }
die() { echo "fetch: error: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

apt_update() {
	say "apt-get update"
	DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0 update >&2
}

ensure_arm64() {
	[ "$(dpkg --print-architecture)" = arm64 ] && return 0
	dpkg --print-foreign-architectures | grep -qx arm64 && return 0
	is_root || die "dpkg does not know the arm64 architecture; run:
  sudo dpkg --add-architecture arm64 && sudo apt-get update"
	say "dpkg --add-architecture arm64"
	dpkg --add-architecture arm64
	apt_update
}

# The newest kernel package apt can install for arm64, by ABI number (sorted as versions).
kernel_package() {
	for p in $(apt-cache pkgnames linux-image-6.1.0- 2>/dev/null | grep -E "$KERNEL_RE" |
		sort -V -r); do
		if apt-cache policy "$p:arm64" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
			echo "$p"
			return 0
		fi
	done
}

# The newest cached .deb matching a file name pattern, or nothing.
cached_deb() {
	# $1 is a glob; the names are plain package_version_arch.deb
	# shellcheck disable=SC2012,SC2086
	ls "$debs"/$1 2>/dev/null | sort -V | tail -n 1
}

# apt-get download PACKAGE:arm64 into the cache through a scratch directory, so an
# interrupted download never leaves a partial .deb where the next build would use it.
download() {
	tmp=$(mktemp -d "$debs/.download.XXXXXX")
	if is_root; then sandbox="-o APT::Sandbox::User=root"; else sandbox=""; fi
	# shellcheck disable=SC2086 # $sandbox is empty or one option pair
	if (cd "$tmp" && apt-get -q $sandbox download "$1:arm64" >&2); then
		mv "$tmp"/*.deb "$debs"/
		rm -rf "$tmp"
		return 0
	fi
	rm -rf "$tmp"
	return 1
}

# fetch_deb PATTERN PICK: the cached .deb for PATTERN, or download the package PICK names.
fetch_deb() {
	deb=$(cached_deb "$1")
	if [ -n "$deb" ]; then
		echo "$deb"
		return 0
	fi
	ensure_arm64
	for attempt in 1 2; do
		pkg=$($2)
		if [ -n "$pkg" ] && download "$pkg"; then
			deb=$(cached_deb "$1")
			[ -n "$deb" ] || die "apt-get download $pkg:arm64 left no $1 in $debs"
			say "downloaded $(basename "$deb")"
			echo "$deb"
			return 0
		fi
		# Stale or missing package lists: refresh once (root only), then pick again.
		if [ "$attempt" = 1 ] && is_root; then
			apt_update
		else
			break
		fi
	done
	if is_root; then
		die "cannot download ${pkg:-a package matching $1} for arm64 from Debian's archive"
	fi
	die "cannot download ${pkg:-a package matching $1} for arm64; the package lists may be stale: run
  sudo apt-get update"
}

busybox_package() { echo busybox-static; }

# extract DEB DIR MEMBER...: members of the .deb's data archive (tar wildcards) into DIR.
extract() {
	deb=$1 dir=$2
	shift 2
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards "$@" ||
		die "cannot extract $* from $deb"
}

# The 4 bytes at an offset of a file, as hex.
bytes_at() { od -A n -t x1 -j "$2" -N 4 "$1" | tr -d ' \n'; }

mkdir -p "$debs"
scratch=$(mktemp -d "$out/.extract.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

case $what in
kernel)
	deb=$(fetch_deb 'linux-image-6.1.0-*-arm64-unsigned_*_arm64.deb' kernel_package)
	extract "$deb" "$scratch" './boot/vmlinuz-*' './boot/config-*'
	set -- "$scratch"/boot/vmlinuz-*
	if [ $# != 1 ] || [ ! -f "$1" ]; then
		die "$deb has not exactly one /boot/vmlinuz-*"
	fi
	image=$1
	# arm64 Image header: "ARM\x64" at offset 56 (Documentation/arch/arm64/booting.rst).
	[ "$(bytes_at "$image" 56)" = 41524d64 ] ||
		die "$(basename "$image") in $deb is not an uncompressed arm64 Image (no ARM\\x64 magic)"
	cp "$scratch"/boot/config-* "$out/kernel.config"
	# The kernel release and the package it came from, for reports.
	echo "$(basename "$image" | sed 's/^vmlinuz-//') $(basename "$deb")" >"$out/kernel.version"
	touch "$image" # not the package's date: make compares it with fetch.sh
	mv "$image" "$out/Image"
	say "$out/Image: $(cat "$out/kernel.version")"
	;;
busybox)
	deb=$(fetch_deb 'busybox-static_*_arm64.deb' busybox_package)
	extract "$deb" "$scratch" ./bin/busybox
	# ELF (7f 45 4c 46), e_machine (offset 18, little endian) = 0xb7: AArch64.
	if [ "$(bytes_at "$scratch/bin/busybox" 0)" != 7f454c46 ] ||
		[ "$(od -A n -t x2 -j 18 -N 2 "$scratch/bin/busybox" | tr -d ' \n')" != 00b7 ]; then
		die "/bin/busybox in $deb is not an AArch64 ELF"
	fi
	chmod 755 "$scratch/bin/busybox"
	touch "$scratch/bin/busybox"
	mv "$scratch/bin/busybox" "$out/busybox"
	say "$out/busybox: $(basename "$deb")"
	;;
*)
	die "unknown part '$what' (kernel or busybox)"
	;;
esac
