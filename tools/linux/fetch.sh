#!/bin/sh
# Fetch the reference Linux guest's parts from Debian 12's arm64 archive, unmodified:
#   kernel   the newest linux-image-6.1.0-NN-arm64-unsigned  ->  OUT/Image (+ kernel.config)
#   busybox  busybox-static                                   ->  OUT/busybox
#   modules  the named kernel modules and every module they depend on, from the same
#            kernel package as OUT/Image (OUT/kernel.version names it) -> OUT/modules/
#
#   tools/linux/fetch.sh kernel|busybox OUT
#   tools/linux/fetch.sh modules OUT NAME...
#
# modules: OUT/modules/VER/ gets the package's kernel/.../NAME.ko (or .ko.xz) files as
# they are and its modules.builtin; OUT/modules/keel.load the NAMEs asked for, in order,
# for /init to load (tools/linux/mkinitramfs.py writes modules.dep). The package has no modules.dep
# (Debian's postinst runs depmod), so dependencies come from each module's own .modinfo
# "depends=" list, the one modpost writes and depmod's output agrees with. A NAME the
# kernel has built in (modules.builtin) needs no file and is kept in keel.load only.
#
# The .debs are kept in OUT/debs: once one is there it is used as is and nothing is
# downloaded again (delete it to move to a newer kernel). Needs only apt-get, apt-cache and
# dpkg-deb, and the arm64 architecture in dpkg (tools/install-deps.sh adds it; as root this
# script adds it too). As root it runs `apt-get update` when the package lists lack the
# package or name a file the mirror no longer has (Debian replaces kernel ABIs, NN above).
set -eu

what=${1:?usage: fetch.sh kernel|busybox|modules OUT [NAME...]}
out=${2:?usage: fetch.sh kernel|busybox|modules OUT [NAME...]}
shift 2
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

# The "depends=" of a module file's .modinfo (NUL-separated key=value strings), commas
# as spaces. A .ko.xz is read through python3's lzma: no xz tool needed.
module_depends() {
	case $1 in
	*.xz) python3 -c 'import lzma, sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' "$1" ;;
	*) cat "$1" ;;
	esac | tr '\0' '\n' | sed -n 's/^depends=//p' | tr , ' '
}

# modules NAME...: see the top of this file. The package's module tree is unpacked once
# into the scratch directory (about 300 MB, removed on exit): one pass over the .deb
# instead of one per module.
fetch_modules() {
	[ $# -gt 0 ] || die "modules: no module names given"
	[ -f "$out/kernel.version" ] || die "$out/kernel.version not found: run fetch.sh kernel $out first"
	read -r ver debname <"$out/kernel.version"
	deb=$debs/$debname
	[ -f "$deb" ] || die "$deb (named by $out/kernel.version) not found: run fetch.sh kernel $out"
	extract "$deb" "$scratch" "./lib/modules/$ver/*"
	src=$scratch/lib/modules/$ver
	[ -f "$src/modules.builtin" ] || die "$deb has no /lib/modules/$ver/modules.builtin"
	# Every module file of the package: "<name> <path under $src>" per line, the name as
	# the kernel spells it: the file name without .ko/.ko.xz, '-' as '_'.
	(cd "$src" && find kernel -name '*.ko' -o -name '*.ko.xz') |
		sed 'h; s|.*/||; s/\.ko\(\.xz\)\{0,1\}$//; y/-/_/; G; s/\n/ /' >"$scratch/index"
	[ -s "$scratch/index" ] || die "$deb has no modules under /lib/modules/$ver/kernel"
	tree=$scratch/tree
	mkdir -p "$tree/$ver"
	cp "$src/modules.builtin" "$tree/$ver/"
	queue=$(echo "$*" | tr - _)
	: >"$tree/keel.load"
	for name in $queue; do echo "$name" >>"$tree/keel.load"; done
	done_names=" "
	set -f # module names are words, never patterns
	while :; do
		# shellcheck disable=SC2086 # a list of names
		set -- $queue
		[ $# -gt 0 ] || break
		name=$1
		shift
		queue=$*
		case $done_names in *" $name "*) continue ;; esac
		done_names="$done_names$name "
		path=$(awk -v n="$name" '$1 == n { print $2; exit }' "$scratch/index")
		if [ -z "$path" ]; then
			# modules.builtin lists kernel/.../name.ko for what is built in
			if sed 's|.*/||; s/\.ko$//' "$src/modules.builtin" | tr - _ | grep -qx "$name"; then
				say "module $name is built into the kernel"
				continue
			fi
			die "$deb has no module $name (not in /lib/modules/$ver/kernel, not in modules.builtin)"
		fi
		mkdir -p "$tree/$ver/$(dirname "$path")"
		cp "$src/$path" "$tree/$ver/$path"
		deps=$(module_depends "$src/$path")
		[ -z "$deps" ] || say "module $name needs $deps"
		queue="$queue $deps"
	done
	set +f
	rm -rf "$out/modules"
	mv "$tree" "$out/modules"
	say "$out/modules/$ver: $(find "$out/modules/$ver" -name '*.ko*' | wc -l) module file(s)" \
		"for $(tr '\n' ' ' <"$out/modules/keel.load")"
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
modules)
	fetch_modules "$@"
	;;
*)
	die "unknown part '$what' (kernel, busybox or modules)"
	;;
esac
