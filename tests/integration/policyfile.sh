#!/bin/sh
# A policy, and every file it includes, must be a regular file: a FIFO with
# no writer once read as an empty policy ("ok (0 rules)"), a FIFO whose
# writer never writes hung check and run, and a device never ends.  Every
# command that loads a policy (check, explain, run, serve and its SIGHUP
# reload) refuses them at once, naming the file and what it is.
. tests/integration/lib.sh

mkfifo "$T/fifo.policy"
printf 'allow read %s/**\n' "$T" >"$T/good.policy"
ln -s good.policy "$T/link.policy"
mkdir "$T/folder.policy"
printf 'include fifo.policy\n' >"$T/inc-fifo.policy"
printf 'include /dev/zero\n' >"$T/inc-zero.policy"
printf 'include folder.policy\n' >"$T/inc-folder.policy"

# A writer that never writes: the shell holds the FIFO open for reading and
# writing (which does not block), so a reader would wait forever.
exec 3<>"$T/fifo.policy"

# Each command under a time bound: a hang is a failure, not a stuck suite.
t() { timeout 10 "$@"; }

expect "check: a FIFO (a writer attached) is refused at once" \
	"fifo.policy: error: a FIFO \(named pipe\), not a regular file" t "$FB" check "$T/fifo.policy"
status "check: a FIFO fails (exit 1, not a timeout)" 1 t "$FB" check "$T/fifo.policy"
expect "check: /dev/zero is refused" "/dev/zero: error: a character device, not a regular file" \
	t "$FB" check /dev/zero
expect "check: a folder is refused" "folder.policy: error: a folder, not a regular file" \
	t "$FB" check "$T/folder.policy"
expect "check: a pipe (process substitution, /dev/stdin) is refused" \
	"error: a FIFO \(named pipe\), not a regular file" \
	sh -c "printf 'allow read /x\n' | timeout 10 '$FB' check /dev/stdin"
expect "check: an include of a FIFO names the include line" \
	"inc-fifo.policy:1:9: error: cannot include [^ ]*fifo.policy: a FIFO \(named pipe\)" \
	t "$FB" check "$T/inc-fifo.policy"
expect "check: an include of /dev/zero" \
	"inc-zero.policy:1:9: error: cannot include /dev/zero: a character device" \
	t "$FB" check "$T/inc-zero.policy"
expect "check: an include of a folder" \
	"inc-folder.policy:1:9: error: cannot include [^ ]*folder.policy: a folder" \
	t "$FB" check "$T/inc-folder.policy"
expect "check: a symlink to a regular file is fine" "link.policy: ok \(1 rule\)" \
	t "$FB" check "$T/link.policy"
expect "explain: a FIFO is refused" "not a regular file" \
	t "$FB" explain --policy "$T/fifo.policy" /x
status "explain: a FIFO fails (exit 2)" 2 t "$FB" explain --policy "$T/fifo.policy" /x
expect "run: a FIFO is refused, nothing runs" "not loaded, nothing was run" \
	t "$FB" run --policy "$T/fifo.policy" -- true
status "run: a FIFO fails (exit 125)" 125 t "$FB" run --policy "$T/fifo.policy" -- true
status "run: an include of /dev/zero fails (exit 125)" 125 \
	t "$FB" run --policy "$T/inc-zero.policy" -- true

# serve, and its SIGHUP reload: a FIFO swapped in for the policy is refused
# and the policy in force stays.
if [ "$(id -u)" -eq 0 ]; then
	status "serve: a FIFO as the policy is refused" 1 \
		t "$FB" serve --policy "$T/fifo.policy" --socket "$T/fb.sock" --control none
	printf 'profile any\nallow read %s/**\n' "$T" >"$T/serve.policy"
	echo served >"$T/served.txt"
	"$FB" serve --policy "$T/serve.policy" --socket "$T/fb.sock" --control none \
		2>"$T/serve.log" &
	spid=$!
	wait_socket "$T/fb.sock"
	mv "$T/serve.policy" "$T/serve.policy.old"
	mkfifo "$T/serve.policy"
	exec 4<>"$T/serve.policy"
	kill -HUP $spid
	i=0
	while ! grep -q "reload" "$T/serve.log" && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	expect "serve: a SIGHUP reload refuses a FIFO, naming it" \
		"serve.policy: error: a FIFO \(named pipe\), not a regular file" cat "$T/serve.log"
	expect "serve: the old policy stays in force" "read $T/served.txt: ok served" \
		env -u FILEBROKER_FD FILEBROKER_SOCKET="$T/fb.sock" "$T/bin/fbtool" read "$T/served.txt"
	kill $spid
	# A daemon stuck in a reload does not stop on SIGTERM: bounded.
	(sleep 10 && kill -9 $spid 2>/dev/null) &
	wd=$!
	wait $spid
	kill $wd 2>/dev/null
	exec 4>&-
else
	echo "SKIP serve: not root"
fi
exec 3>&-

finish
