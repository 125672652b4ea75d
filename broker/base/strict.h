/*
 * strict.h: strict modes for policy files, as sshd's StrictModes: a root
 * broker refuses a policy, an include, or a folder on their way, that
 * another user could change.
 */
#ifndef FB_STRICT_H
#define FB_STRICT_H

#include <stddef.h>
#include <sys/stat.h>

#include "policy.h"

/*
 * A policy_load_opts file_check (policy.h): 0 when nobody but root (and
 * the caller's own uid) can change the file at path, whose open descriptor
 * st describes, or where it is found; else -1 with why in why: which file
 * or folder, its owner or mode, and the command that fixes it.  A file or
 * folder is refused when it is owned by another uid, or writable by its
 * group or by anyone (a folder with the sticky bit excepted, such as /tmp:
 * there nobody can rename or remove another's file).  Every folder from /
 * (or from the current folder up to /, for a relative path) down to the
 * file is checked, through symlinks, each of which must lie in a folder
 * that passes too.  Uses lstat, stat and readlink only (a confined daemon
 * reloading may call nothing else): no getcwd.
 */
int strict_check(const char *path, const struct stat *st, char *why, size_t size, void *arg);

/* Options for a load by a broker running as euid: strict modes for root
 * (errors), none otherwise (NULL). */
const struct policy_load_opts *strict_opts(void);

/* For `filebroker check`: the same check, its findings as warnings, when
 * run as root (a broker of another user checks nothing: NULL). */
const struct policy_load_opts *strict_opts_warn(void);

#endif
