/*
 * strict.c: strict modes for policy files (strict.h).
 *
 * A broker running as root enforces the policy on every worker: whoever can
 * change the policy file, an include, or rename a folder on the way to
 * them, decides what the broker hands out.  So, as sshd does with its
 * StrictModes (secure_filename()), the file and every folder on its path
 * must be changeable by root alone.  The file itself is judged by fstat()
 * of the descriptor it is read from (the very file read); the folders by
 * lstat() of each one walked, symlinks read and followed as the kernel
 * would (at most 40), since a symlink in a folder another user can write
 * is as good as the file.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "strict.h"

#define STRICT_LINKS_MAX 40

/* The name of uid or gid, for messages ("" when unknown). */
static const char *
user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw != NULL && pw->pw_name != NULL ? pw->pw_name : "";
}

static const char *
group_name(gid_t gid)
{
	struct group *gr = getgrgid(gid);

	return gr != NULL && gr->gr_name != NULL ? gr->gr_name : "";
}

/*
 * Can another user change the object named name (a folder when folder)?
 * 0 when not; -1 with why.  what says what it is for the message.
 */
static int
judge(const char *name, const struct stat *st, int folder, char *why, size_t size)
{
	const char *what = folder ? "the folder " : "";
	int sticky = folder && (st->st_mode & S_ISVTX);
	uid_t me = geteuid();

	if (st->st_uid != 0 && st->st_uid != me) {
		snprintf(why, size,
		    "%s%s is owned by uid %lu%s%s%s, who could change the policy a root broker "
		    "enforces: a root broker refuses it; fix: chown root %s",
		    what, name, (unsigned long)st->st_uid, user_name(st->st_uid)[0] ? " (" : "",
		    user_name(st->st_uid), user_name(st->st_uid)[0] ? ")" : "", name);
		return -1;
	}
	if ((st->st_mode & S_IWOTH) && !sticky) {
		snprintf(why, size,
		    "%s%s is writable by anyone (mode %04o), who could change the policy a root "
		    "broker enforces: a root broker refuses it; fix: chmod o-w %s",
		    what, name, (unsigned)(st->st_mode & 07777), name);
		return -1;
	}
	if ((st->st_mode & S_IWGRP) && !sticky) {
		snprintf(why, size,
		    "%s%s is writable by its group %lu%s%s%s (mode %04o), whose members could "
		    "change the policy a root broker enforces: a root broker refuses it; fix: "
		    "chmod g-w %s",
		    what, name, (unsigned long)st->st_gid, group_name(st->st_gid)[0] ? " (" : "",
		    group_name(st->st_gid), group_name(st->st_gid)[0] ? ")" : "",
		    (unsigned)(st->st_mode & 07777), name);
		return -1;
	}
	return 0;
}

/* A folder named name: it must exist to be judged; one that cannot be
 * stat-ed is left to the open that follows (the file was opened). */
static int
folder(const char *name, char *why, size_t size)
{
	struct stat st;

	if (stat(name, &st) == -1)
		return 0;
	return judge(name, &st, 1, why, size);
}

/* The current folder and every one above it, up to /: ".", "..",
 * "../..", ... (no getcwd: a confined daemon may not call it). */
static int
cwd_chain(char *why, size_t size)
{
	char name[PATH_MAX] = ".";
	struct stat st, up;
	size_t n = 1;

	for (;;) {
		if (folder(name, why, size) == -1)
			return -1;
		if (n + 4 >= sizeof(name) || stat(name, &st) == -1)
			return 0;
		if (strcmp(name, ".") == 0)
			memcpy(name, "..", (n = 2) + 1);
		else {
			memcpy(name + n, "/..", 4);
			n += 3;
		}
		if (stat(name, &up) == -1 || (up.st_dev == st.st_dev && up.st_ino == st.st_ino))
			return 0; /* the root: its ".." is itself */
	}
}

/* Every folder on the way to path, links followed; *links counts them. */
static int
walk(const char *path, int *links, char *why, size_t size)
{
	char cur[PATH_MAX], next[2 * PATH_MAX], target[PATH_MAX], rest[2 * PATH_MAX];
	const char *c, *e;
	struct stat st;
	size_t n;
	ssize_t tl;

	if (path[0] == '/') {
		snprintf(cur, sizeof(cur), "/");
		if (folder("/", why, size) == -1)
			return -1;
	} else {
		snprintf(cur, sizeof(cur), ".");
		if (cwd_chain(why, size) == -1)
			return -1;
	}
	for (c = path; *c != '\0'; c = e) {
		while (*c == '/')
			c++;
		for (e = c; *e != '\0' && *e != '/'; e++)
			;
		n = (size_t)(e - c);
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		/* A relative path's names as written: "sub", not "./sub". */
		if ((size_t)snprintf(next, sizeof(next), "%s%s%.*s",
			strcmp(cur, ".") == 0 ? "" : cur,
			strcmp(cur, "/") == 0 || strcmp(cur, ".") == 0 ? "" : "/", (int)n,
			c) >= sizeof(cur))
			return 0; /* too long to walk: the open said what it found */
		if (lstat(next, &st) == -1)
			return 0;
		if (S_ISLNK(st.st_mode)) {
			if (++*links > STRICT_LINKS_MAX ||
			    (tl = readlink(next, target, sizeof(target) - 1)) == -1)
				return 0;
			target[tl] = '\0';
			/* The target, from cur when relative, then the rest. */
			if ((size_t)snprintf(rest, sizeof(rest), "%s%s%s%s",
				target[0] == '/' ? "" : cur, target[0] == '/' ? "" : "/", target,
				e) >= sizeof(rest))
				return 0;
			return walk(rest, links, why, size);
		}
		/* A folder on the way; the last component is the file, judged
		 * by its descriptor. */
		while (*e == '/')
			e++;
		if (*e == '\0')
			return 0;
		if (S_ISDIR(st.st_mode) && judge(next, &st, 1, why, size) == -1)
			return -1;
		memcpy(cur, next, strlen(next) + 1);
	}
	return 0;
}

int
strict_check(const char *path, const struct stat *st, char *why, size_t size, void *arg)
{
	int links = 0;

	(void)arg;
	if (judge(path, st, 0, why, size) == -1)
		return -1;
	return walk(path, &links, why, size);
}

const struct policy_load_opts *
strict_opts(void)
{
	static const struct policy_load_opts strict = { strict_check, NULL, 0 };

	return geteuid() == 0 ? &strict : NULL;
}

const struct policy_load_opts *
strict_opts_warn(void)
{
	static const struct policy_load_opts warn = { strict_check, NULL, 1 };

	return geteuid() == 0 ? &warn : NULL;
}
