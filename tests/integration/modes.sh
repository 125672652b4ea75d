#!/bin/sh
# Created files keep the mode the program asked for (issue 18 item 3):
# what it asked, less its umask, as the kernel would make them; within
# the rule's mode= when it has one; never set-user-ID or set-group-ID.
# Transparent mode (the calling thread's umask) and the wire (the
# sending process's).
. tests/integration/lib.sh

need_run "modes.sh"

W=$T/w
B=$T/b
mkdir -p "$W" "$B"
chmod 777 "$W" "$B"
chmod -R go+rX "$T"

P=$T/modes.policy
cat >"$P" <<EOF
include @runtime
include @shell
allow read,write,create,delete,list $W/**
allow read,write,create,delete,list $B/** mode=0640
allow read,exec $T/bin/**
EOF
run() { (cd "$T" && "$FB" run --policy "$P" "$@"); }
# modes PATH...: each path's type and permission bits, one line.
modes() { echo $(stat -c '%F:%a' "$@" | sed 's/regular empty file/f/; s/regular file/f/; s/directory/d/; s/fifo/p/'); }

status "umask 022: a file and a folder" 0 run -- sh -c "umask 022; echo x >'$W/a'; mkdir '$W/ad'"
expect "umask 022: 0644 and 0755, as unsandboxed" "^f:644 d:755\$" modes "$W/a" "$W/ad"
status "umask 077: a file and a folder" 0 run -- sh -c "umask 077; echo x >'$W/p'; mkdir '$W/pd'"
expect "umask 077: the program's files stay private" "^f:600 d:700\$" modes "$W/p" "$W/pd"
# The broker's own umask (022) is not the worker's: umask 0 keeps every
# bit asked, a folder its sticky bit.
status "umask 0: a file, a folder with the sticky bit, a FIFO" 0 \
	run -- sh -c "umask 0; echo x >'$W/o'; mkdir -m 1777 '$W/od'; mkfifo '$W/of'"
expect "umask 0: 0666, 1777 and 0666" "^f:666 d:1777 p:666\$" modes "$W/o" "$W/od" "$W/of"
# The mode= bound: 0640, a folder keeps search where it reads.
status "mode=0640: a file, a folder" 0 run -- sh -c "umask 0; echo x >'$B/x'; mkdir '$B/xd'"
expect "mode=0640 still bounds" "^f:640 d:750\$" modes "$B/x" "$B/xd"

# Never set-user-ID or set-group-ID: neither the mode of a create (a
# program that asks open(2) for 04755, with no chmod after it) nor a
# chmod (install -m 4755 creates, then chmods).
if [ -x /usr/bin/python3 ]; then
	cat >>"$P" <<EOF
include @python3
EOF
	status "open(O_CREAT, 04755) and mkdir(02777)" 0 run -- /usr/bin/python3 -c "
import os
os.umask(0o022)
os.close(os.open('$W/suid', os.O_CREAT | os.O_WRONLY, 0o6755))
os.mkdir('$W/sgid', 0o2777)"
	expect "no set-user-ID or set-group-ID bit from a create" "^f:755 d:755\$" modes "$W/suid" "$W/sgid"
fi
echo x >"$T/src" && chmod 644 "$T/src"
cat >>"$P" <<EOF
allow read $T/src
EOF
expect "install -m 4755: the chmod is refused" "Operation not permitted" \
	run -- install -m 4755 "$T/src" "$W/inst"
expect "install -m 4755: the file is not set-user-ID" "^f:[0-7]{3}\$" modes "$W/inst"

# A compiler's output is executable: cc writes its output 0777 less the
# umask, and it runs.
if command -v cc >/dev/null && [ -x /usr/bin/make ]; then
	mkdir -p "$W/cc"
	printf 'int main(void) { return 7; }\n' >"$W/cc/m.c"
	chmod -R 777 "$W/cc"
	cat >"$T/cc.policy" <<EOF
include @runtime
include @shell
allow exec /usr/bin/**
allow exec /usr/lib/gcc/**
allow read,list /usr/lib/**
allow read,list /usr/include/**
allow read,list /usr/libexec/**
allow read,write,create,delete,list $W/**
EOF
	status "cc builds a program" 0 sh -c "cd '$W/cc' && '$FB' run --policy '$T/cc.policy' -- sh -c 'umask 022; cc -o m m.c'"
	expect "its output is 0755" "^f:755\$" modes "$W/cc/m"
	status "it runs (exit 7)" 7 sh -c "cd '$W/cc' && '$FB' run --policy '$T/cc.policy' -- ./m"
fi

# The wire (libfilebroker): the sending process's umask, as open(2) and
# mkdir(2) would apply it.
status "the wire: umask 027, create 0666 and mkdir 0777" 0 \
	run -- sh -c "umask 027; '$T/bin/fbtool' create '$W/wire' text 0666 :: mkdir '$W/wired' 0777"
expect "the wire: 0640 and 0750" "^f:640 d:750\$" modes "$W/wire" "$W/wired"
status "the wire: set-user-ID asked" 0 run -- sh -c "umask 0; '$T/bin/fbtool' create '$W/wsuid' text 04777"
expect "the wire: no set-user-ID" "^f:777\$" modes "$W/wsuid"
status "the wire, mode=0640: create 0666" 0 run -- sh -c "umask 0; '$T/bin/fbtool' create '$B/wire' text 0666"
expect "the wire: mode=0640 still bounds" "^f:640\$" modes "$B/wire"

finish
