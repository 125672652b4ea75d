#!/bin/sh
# Makes sure the build and test dependencies are present on a Debian machine.
# As root it installs what is missing with apt-get; otherwise it prints the
# exact command to run and fails.
#
#   scripts/deps.sh build      what `make` needs
#   scripts/deps.sh check      what `make check` needs as well
#   scripts/deps.sh fuzz       clang and its fuzzer runtime, for `make fuzz`
#   scripts/deps.sh format     clang-format, for `make check-format` and `make format`
set -eu

want=${1:-build}

pkgs="gcc make pkg-config libseccomp-dev libcap-dev zlib1g-dev"
case "$want" in
build) ;;
# The real tools tests/integration/real_tools.sh runs as a new user would
# (clamav, p7zip-full, poppler-utils, file, git, perl, python3; make and
# gcc are above).  clamav brings clamav-freshclam, whose service Debian
# starts; the tests never use its database (they write their own
# signatures) and never run freshclam.
check) pkgs="$pkgs libcmocka-dev clang-format python3 busybox-static time procps groff-base man-db dosfstools git file openssl ca-certificates perl clamav p7zip-full poppler-utils" ;;
fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;
format) pkgs="$pkgs clang-format" ;;
*) echo "usage: $0 build|check|fuzz|format" >&2; exit 2 ;;
esac

missing=
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing packages:$missing (and no apt-get to install them)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
