#!/bin/sh
# make install and make uninstall:
#
#   scripts/install.sh install BUILD_DIR
#   scripts/install.sh uninstall BUILD_DIR
#
# with the Makefile's paths in the environment (DESTDIR PREFIX BINDIR LIBDIR
# INCLUDEDIR MANDIR PKGCONFIGDIR DOCDIR SYSCONFDIR SYSTEMDUNITDIR LOGROTATEDIR
# BASHCOMPDIR VERSION SOVERSION).
#
# install records every file, link and folder it makes in a manifest,
# LIBDIR/filebroker/install.manifest, one "KIND PATH" a line (PATH without
# DESTDIR): "dir" a folder it created, "file", "link", and "conf PATH SHA256"
# for the configuration it put where there was none.  uninstall removes
# exactly those, in reverse order: a folder only when empty, a conf file only
# when unchanged since.  An install over an earlier one keeps the earlier
# manifest's entries, so that the folders the first one made still go.
#
# On the live system (DESTDIR empty) as root, install also creates the system
# group filebroker (the socket unit's group) when missing, makes LIBDIR known
# to the dynamic loader (/etc/ld.so.conf.d/filebroker.conf, when no loader
# configuration names it yet) and runs ldconfig; uninstall runs ldconfig and
# leaves the group, as Debian packages do.  Under DESTDIR none of these: a
# package's maintainer scripts do them.
set -eu

usage() { echo "usage: $0 install|uninstall BUILD_DIR (with the Makefile's paths)" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
B=$2
me="make $action"

die() { echo "$me: $*" >&2; exit 1; }
say() { echo "$me: $*"; }

# Paths end up in units, sed expressions and the manifest, one a line:
# absolute, and no blanks or shell or sed metacharacters.
for v in PREFIX BINDIR LIBDIR INCLUDEDIR MANDIR PKGCONFIGDIR DOCDIR SYSCONFDIR \
	SYSTEMDUNITDIR LOGROTATEDIR BASHCOMPDIR; do
	eval "p=\${$v:-}"
	case "$p" in
	/*) ;;
	*) die "$v='$p' is not an absolute path" ;;
	esac
	case "$p" in
	*[!A-Za-z0-9/._+-]*) die "$v='$p': use only letters, digits and / . _ + -" ;;
	*/../* | */.. | */./* | */.) die "$v='$p': no . or .. components" ;;
	esac
done
case "${DESTDIR:-}" in
*'
'*) die "DESTDIR holds a newline" ;;
esac
D=${DESTDIR:-}

LDCONF=/etc/ld.so.conf.d/filebroker.conf
M=$LIBDIR/filebroker/install.manifest
live=
[ -z "$D" ] && [ "$(id -u)" -eq 0 ] && live=1

# ---------------------------------------------------------------- uninstall

# A manifest root trusts must be one that only it (or the caller) could write.
manifest_ok() {
	[ -f "$D$M" ] && [ ! -L "$D$M" ] ||
		die "no manifest $D$M: nothing was installed with LIBDIR=$LIBDIR${D:+ under DESTDIR=$D}; nothing removed"
	owner=$(stat -c %u "$D$M")
	perm=$(stat -c %A "$D$M")
	[ "$owner" -eq 0 ] || [ "$owner" -eq "$(id -u)" ] ||
		die "$D$M belongs to uid $owner, neither root nor you: not trusted, nothing removed"
	case "$perm" in
	?????w???? | ????????w?) die "$D$M is writable by others ($perm): not trusted, nothing removed" ;;
	esac
}

uninstall() {
	manifest_ok
	# The manifest goes first, so that its folder can go with the rest.
	list=$(mktemp "${TMPDIR:-/tmp}/fbuninstall.XXXXXX")
	trap 'rm -f "$list"' EXIT
	cp "$D$M" "$list"
	rm -f "$D$M"
	# Reverse order: what a folder holds goes before the folder.
	tac "$list" | while read -r kind path sum; do
		case "$path" in
		/*) ;;
		*) say "skipped a manifest line with no absolute path: $kind $path"; continue ;;
		esac
		case "$path" in
		*/../* | */..) say "skipped $path: .. in a manifest path"; continue ;;
		esac
		t=$D$path
		case "$kind" in
		file)
			if [ -f "$t" ] && [ ! -L "$t" ]; then
				rm -f "$t"
			elif [ -e "$t" ] || [ -L "$t" ]; then
				say "left $t: no longer a regular file"
			fi
			;;
		link)
			if [ -L "$t" ]; then
				rm -f "$t"
			elif [ -e "$t" ]; then
				say "left $t: no longer a symbolic link"
			fi
			;;
		conf)
			if [ -f "$t" ] && [ ! -L "$t" ]; then
				if [ "$(sha256sum <"$t" | cut -d' ' -f1)" = "$sum" ]; then
					rm -f "$t"
				else
					say "kept $t: changed since it was installed (remove it yourself if unwanted)"
				fi
			fi
			;;
		dir)
			if [ -d "$t" ] && [ ! -L "$t" ]; then
				rmdir "$t" 2>/dev/null || say "left $t: not empty"
			fi
			;;
		*) say "skipped an unknown manifest line: $kind $path" ;;
		esac
	done
	if [ -n "$live" ]; then
		ldconfig
		say "ran ldconfig"
		if getent group filebroker >/dev/null 2>&1; then
			say "left the system group filebroker (as Debian packages do; groupdel filebroker removes it)"
		fi
	fi
	say "removed what the manifest listed${D:+ (under DESTDIR=$D)}"
}

# ---------------------------------------------------------------- install

new=$(mktemp "${TMPDIR:-/tmp}/fbinstall.XXXXXX")
trap 'rm -f "$new"' EXIT

record() { printf '%s\n' "$*" >>"$new"; }

# mkdirs DIR: create DIR and any missing folder above it, recording each.
mkdirs() {
	[ -d "$D$1" ] || [ "$1" = / ] && return 0
	mkdirs "$(dirname "$1")"
	mkdir "$D$1"
	chmod 0755 "$D$1"
	record dir "$1"
}

# put MODE SRC DIR/NAME
put() {
	mkdirs "$(dirname "$3")"
	install -m "$1" "$2" "$D$3"
	record file "$3"
}

# putlink TARGET PATH
putlink() {
	mkdirs "$(dirname "$2")"
	ln -sfn "$1" "$D$2"
	record link "$2"
}

# The manifest: the earlier install's entries, then this one's; for a path
# listed twice the last entry counts, at the place of the first.
write_manifest() {
	[ -d "$D$LIBDIR/filebroker" ] || return 0
	{
		[ -f "$D$M" ] && cat "$D$M"
		cat "$new"
	} | awk '{ if (!($2 in line)) order[n++] = $2; line[$2] = $0 }
		END { for (i = 0; i < n; i++) print line[order[i]] }' >"$new.m"
	chmod 0644 "$new.m"
	mv -f "$new.m" "$D$M"
}

# The sum the manifest gives PATH for a conf entry, or nothing.
conf_sum() {
	[ -f "$D$M" ] || return 0
	awk -v p="$1" '$1 == "conf" && $2 == p { s = $3 } END { if (s != "") print s }' "$D$M"
}

# conf SRC PATH: PATH gets SRC unless it holds something else than what an
# earlier install put there (an admin's file, which is never overwritten).
conf() {
	mkdirs "$(dirname "$2")"
	if [ -e "$D$2" ] || [ -L "$D$2" ]; then
		cur=$(sha256sum <"$D$2" 2>/dev/null | cut -d' ' -f1 || true)
		if [ -L "$D$2" ] || [ -z "$cur" ] || [ "$cur" != "$(conf_sum "$2")" ]; then
			say "kept $D$2: not the file an earlier install put there"
			return 0
		fi
	fi
	install -m 0644 "$1" "$D$2"
	record conf "$2" "$(sha256sum <"$D$2" | cut -d' ' -f1)"
}

# Is LIBDIR one of the folders the loader's configuration already names
# (the same folder, by device and inode: /lib is /usr/lib on Debian 12)?
loader_knows_libdir() {
	want=$(stat -L -c %d:%i "$LIBDIR") || return 1
	ldconfig -N -X -v 2>/dev/null | sed -n 's/^\(\/[^:]*\):.*/\1/p' | while read -r d; do
		[ "$(stat -L -c %d:%i "$d" 2>/dev/null)" = "$want" ] && echo yes && break
	done | grep -q yes
}

install_all() {
	for f in filebroker libfilebroker.a libfilebroker.so.$VERSION filebroker-preload.so; do
		[ -f "$B/$f" ] || die "$B/$f is not built (make install builds it first)"
	done
	if [ -n "$live" ] && [ -e "$LDCONF" ] && [ "$(conf_sum "$LDCONF")" = "" ] &&
		! grep -qxF "$LIBDIR" "$LDCONF"; then
		die "$LDCONF names another folder ($(grep -v '^#' "$LDCONF" | head -n 1)): another filebroker is installed there; uninstall it first (make uninstall PREFIX=...)"
	fi
	[ -z "$D" ] || mkdir -p "$D"
	trap 'write_manifest; rm -f "$new" "$new".*' EXIT
	mkdirs "$LIBDIR/filebroker"

	put 0755 "$B/filebroker" "$BINDIR/filebroker"
	put 0644 "$B/libfilebroker.a" "$LIBDIR/libfilebroker.a"
	put 0755 "$B/libfilebroker.so.$VERSION" "$LIBDIR/libfilebroker.so.$VERSION"
	putlink "libfilebroker.so.$VERSION" "$LIBDIR/libfilebroker.so.$SOVERSION"
	putlink "libfilebroker.so.$VERSION" "$LIBDIR/libfilebroker.so"
	put 0644 "$B/filebroker-preload.so" "$LIBDIR/filebroker/filebroker-preload.so"
	# Only the API: the wire codec (client/proto.h) is not exported by
	# the shared library (client/libfilebroker.map), so no header for it.
	put 0644 client/filebroker.h "$INCLUDEDIR/filebroker.h"

	sed -e "s|@PREFIX@|$PREFIX|" -e "s|@LIBDIR@|$LIBDIR|" -e "s|@INCLUDEDIR@|$INCLUDEDIR|" \
		-e "s|@VERSION@|$VERSION|" client/filebroker.pc.in >"$new.pc"
	put 0644 "$new.pc" "$PKGCONFIGDIR/filebroker.pc"
	rm -f "$new.pc"

	for m in docs/*.1 docs/*.3 docs/*.5; do
		[ -f "$m" ] || continue
		put 0644 "$m" "$MANDIR/man${m##*.}/$(basename "$m")"
	done

	# The units and the policy name the installed binary and configuration.
	for u in filebroker.socket filebroker.service serve.policy; do
		sed -e "s|/usr/local/bin/filebroker|$BINDIR/filebroker|g" \
			-e "s|/etc/filebroker/|$SYSCONFDIR/filebroker/|g" docs/systemd/$u >"$new.$u"
	done
	put 0644 "$new.filebroker.socket" "$SYSTEMDUNITDIR/filebroker.socket"
	put 0644 "$new.filebroker.service" "$SYSTEMDUNITDIR/filebroker.service"
	put 0644 docs/logrotate/filebroker "$LOGROTATEDIR/filebroker"
	put 0644 docs/bash-completion/filebroker "$BASHCOMPDIR/filebroker"
	put 0644 "$new.serve.policy" "$DOCDIR/examples/serve.policy"
	conf "$new.serve.policy" "$SYSCONFDIR/filebroker/serve.policy"
	rm -f "$new.filebroker.socket" "$new.filebroker.service" "$new.serve.policy"

	if [ -n "$live" ]; then
		if ! getent group filebroker >/dev/null 2>&1; then
			if command -v addgroup >/dev/null 2>&1; then
				addgroup --system --quiet filebroker
			elif command -v groupadd >/dev/null 2>&1; then
				groupadd -r filebroker
			else
				die "no addgroup or groupadd to create the system group filebroker"
			fi
			say "created the system group filebroker (the socket's group)"
		fi
		if ! loader_knows_libdir; then
			mkdirs "$(dirname "$LDCONF")"
			printf '%s\n' "# filebroker's make install: libfilebroker in $LIBDIR" "$LIBDIR" >"$new.ld"
			conf "$new.ld" "$LDCONF"
			rm -f "$new.ld"
			say "$LIBDIR is not among the loader's folders: named it in $LDCONF"
		fi
		ldconfig
		say "ran ldconfig"
	elif [ -z "$D" ]; then
		say "not root: no ldconfig and no group filebroker; as root: ldconfig, addgroup --system filebroker"
	fi
	say "installed${D:+ under DESTDIR=$D}; the manifest is $D$M (make uninstall with the same paths removes it all)"
}

case "$action" in
install) install_all ;;
uninstall) uninstall ;;
*) usage ;;
esac
