/*
 * policy_runtime.c: the built-in profile named by "include @runtime".
 *
 * Read-only, and as small as lets an ordinary dynamically linked program
 * start on Debian 12 x86_64; exec only for the dynamic loader, the one
 * file the kernel opens for exec besides the program itself (checked with
 * strace -f -e trace=file on cat, ls, date, sort and nproc, which
 * tests/integration/docs.sh runs on it alone; python3 also needs its own
 * tree, /usr/lib/python3*).  docs/filebroker.policy.5 gives the reason for
 * every line; keep the two in step.
 *
 * Deliberately absent: /etc/passwd, /etc/group and /etc/nsswitch.conf (user
 * and group names are a small leak, but a worker that wants them should say
 * so in its own policy), /dev/tty (a way to talk to the user's terminal),
 * /proc beyond the file system types and the worker's own memory map (a
 * policy names what it needs there).
 *
 * Debian 12 has a merged /usr: /lib and /lib64 are symlinks into /usr, and
 * the broker decides on canonical paths, so the /usr names are the ones that
 * match.  The old names stay for systems without the merge.
 *
 * The last rule is libfilebroker itself, in the LIBDIR make install puts it
 * in (config.h; /usr/local/lib by default, which is no system folder), so
 * that a worker linked with -lfilebroker starts.  Its files only, not the
 * folder: LIBDIR may be /usr/lib, whose tree holds far more than libraries.
 * Read only: the loader maps a library it has read, while exec would be a
 * Landlock rule, which takes the folder above the wildcard, all of LIBDIR.
 * The Makefile lets LIBDIR hold no character the policy language treats
 * specially.
 */
#include "config.h"
#include "policy_int.h"

const char policy_runtime_text[] =
    "# folders on the way, which loaders and libc stat\n"
    "allow stat /\n"
    "allow stat /etc\n"
    "allow stat /dev\n"
    "allow stat /usr\n"
    "allow stat /usr/lib\n"
    "allow stat /usr/share\n"
    "allow stat /lib\n"
    "allow stat /lib64\n"
    "allow stat /usr/lib64\n"
    "# the folders of programs, and the merged /usr's links to them, which a\n"
    "# shell's PATH search walks through\n"
    "allow stat /usr/bin\n"
    "allow stat /usr/sbin\n"
    "allow stat /bin\n"
    "allow stat /sbin\n"
    "# the dynamic loader's cache and its (normally absent) preload list\n"
    "allow read /etc/ld.so.cache\n"
    "allow stat /etc/ld.so.preload\n"
    "# the system libraries, gconv modules included: the loader opens and\n"
    "# maps them, which needs no exec\n"
    "allow read /lib/x86_64-linux-gnu/**\n"
    "allow read /usr/lib/x86_64-linux-gnu/**\n"
    "allow read /lib64/**\n"
    "allow read /usr/lib64/**\n"
    "# the loader, which the kernel opens for exec as every dynamic program's\n"
    "# interpreter\n"
    "allow exec /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
    "allow exec /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
    "allow exec /lib64/ld-linux-x86-64.so.2\n"
    "allow exec /usr/lib64/ld-linux-x86-64.so.2\n"
    "# locales, message catalogues and the locale alias table\n"
    "allow read,list /usr/lib/locale/**\n"
    "allow read,list /usr/share/locale/**\n"
    "allow read /etc/locale.alias\n"
    "# time zones\n"
    "allow read /etc/localtime\n"
    "allow read /usr/share/zoneinfo/**\n"
    "# the file system types the kernel knows (ls and find read it)\n"
    "allow read /proc/filesystems\n"
    "# how many CPUs there are: glibc's get_nprocs_conf() and get_nprocs()\n"
    "# (sysconf, nproc, every thread pool); without them it reads /proc/stat\n"
    "allow read /sys/devices/system/cpu/possible\n"
    "allow read /sys/devices/system/cpu/online\n"
    "# the worker's own memory map (its own process only): glibc reads it for\n"
    "# the main thread's stack (pthread_getattr_np: Rust's and Java's runtimes\n"
    "# at start), and grep's stack overflow handler\n"
    "allow read /proc/self/maps\n"
    "# the link to the program the worker runs, which it knows (busybox and\n"
    "# other programs that run themselves again, perl's $^X)\n"
    "allow stat /proc/self/exe\n"
    "# the harmless devices\n"
    "allow read,write /dev/null\n"
    "allow read /dev/zero\n"
    "allow read,write /dev/full\n"
    "allow read /dev/random\n"
    "allow read /dev/urandom\n"
    "# libfilebroker, where make install put it\n"
    "allow read " FB_LIBDIR "/libfilebroker.so*\n";
