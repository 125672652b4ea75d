/*
 * sandbox.h: the worker sandbox.  Its public API (struct fb_sandbox,
 * fb_sandbox_enter(), fb_sandbox_describe(), fb_sandbox_probe()) is part of
 * libfilebroker and declared in filebroker.h, with the full contract.
 */
#ifndef FB_SANDBOX_H
#define FB_SANDBOX_H

#include "filebroker.h"

/*
 * fb_sandbox_enter() for `filebroker run`, whose broker prepared the
 * worker's Landlock ruleset itself (landlock_ruleset_new(), made with the
 * running kernel's ABI and sb->allow_net, and its exec grants): step 5
 * restricts the thread with it instead of making one from exec_paths,
 * which only describe it.  The ruleset descriptor is kept through step 1
 * and closed.  loader_opens (explicit mode): the ruleset also holds the
 * dynamic loader's read grants, and the seccomp filter lets open and
 * openat for reading reach the kernel (seccomp_filter_apply()); ignored
 * in transparent mode, and without Landlock (said through sb->report).
 * kernel_stat (transparent mode): stat and readlink reach the kernel
 * (seccomp_filter_apply()).  Not exported from the shared library.
 */
__attribute__((visibility("hidden"))) int sandbox_enter_ruleset(const struct fb_sandbox *sb,
    int ruleset, int loader_opens, int kernel_stat);

#endif
