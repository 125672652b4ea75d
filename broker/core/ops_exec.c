/*
 * ops_exec.c: exec (transparent mode), the record of an execve(2) or
 * execveat(2) the worker makes.  The broker opens and runs nothing for it:
 * notify.c lets the kernel go on with the call
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE) once the record is written, and the
 * worker's Landlock domain decides it, with the exec grants `run` made
 * from the policy before the worker started (run/exec_grants.h).  So the
 * record is decided with those very grants (the session's exec_decide,
 * exec_grants_decide(): by inode, as Landlock decides), not with the
 * policy alone: a file made
 * since in a folder decided file by file is refused by Landlock though
 * the policy allows its path (rule "@exec-grant"), and another name of a
 * granted file runs though the policy names it nowhere.  The daemon, whose
 * peers built their own domains, records what its policy says.
 *
 * A record, not a check: the kernel reads the path again after the
 * broker did, and a worker that rewrites it meanwhile (another thread) runs
 * something else than what was recorded, which Landlock still decides
 * (docs/threat-model.md 4.1).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops_impl.h"
#include "path.h"
#include "policy.h"

/* The Landlock rule a file's exec comes under, as ops_decide(). */
static int
exec_decide(struct opctx *c, const char *canon, const struct stat *st)
{
	struct policy_decision d;
	const char *grant = NULL, *rule = NULL;

	if (c->s->exec_decide == NULL)
		return ops_decide(c, canon, POLICY_EXEC, NULL);
	memset(&d, 0, sizeof(d));
	if (c->s->exec_decide(c->s, canon, st, &grant, &rule)) {
		if (rule != NULL)
			d.rule = rule; /* COMMAND's: "@command" */
		else if (ops_policy(c, canon, POLICY_EXEC, &d) == -1 || !d.allowed) {
			/* Another name of a granted file (a hard link): the
			 * rule that granted it by its own. */
			if (ops_policy(c, grant, POLICY_EXEC, &d) == -1 || !d.allowed)
				d.rule = "@exec-grant";
		}
		d.allowed = 1;
	} else if (ops_policy(c, canon, POLICY_EXEC, &d) == -1) {
		d.allowed = 0;
		d.rule = "default";
	} else if (d.allowed) {
		/* Allowed by the policy, granted by nothing: made or replaced
		 * since the run started where the grants are made file by
		 * file, or a hard link of a file a deny rule denies. */
		d.allowed = 0;
		d.rule = "@exec-grant";
	}
	return ops_note(c, canon, POLICY_EXEC, &d);
}

/*
 * The interpreter a "#!" line names, as the kernel reads it
 * (binfmt_script: the first 256 bytes, the name up to a blank or the line's
 * end), into name: 1, or 0 when the file is no such script.
 */
static int
shebang(const struct fsctx *fs, const struct walk *w, char *name, size_t size)
{
	char buf[256];
	ssize_t n;
	size_t i = 2, k = 0;
	int fd;

	/* O_NONBLOCK: a file under a lease does not hold the broker up. */
	if ((fd = walk_reopen(fs, w, O_RDONLY | O_NONBLOCK)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 3 || buf[0] != '#' || buf[1] != '!')
		return 0;
	while (i < (size_t)n && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	while (i < (size_t)n && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' &&
	    buf[i] != '\0' && k + 1 < size)
		name[k++] = buf[i++];
	name[k] = '\0';
	return k > 0;
}

int
op_exec(struct opctx *c)
{
	char name[PATH_MAX];
	struct walk w, iw;
	int r, e = 0;

	r = walk_path(&c->s->fs, c->req->path, c->req->who.nspid, c->req->who.nstid,
	    (c->req->a.exec.nofollow ? 0 : WALK_FOLLOW) | WALK_EXISTING, &w);
	ops_canon(c, c->canon, &w);
	/* What the kernel will answer, recorded as such: nothing is
	 * answered from here.  A magic link (/proc/self/fd/N) is not
	 * followed (resolve.h): no decision, EACCES. */
	if (r < 0 || w.fd == -1) {
		walk_release(&w);
		return r < 0 ? -r : ENOENT;
	}
	if (!exec_decide(c, c->canon, &w.st))
		e = EACCES;
	if (!S_ISREG(w.st.st_mode))
		e = S_ISLNK(w.st.st_mode) ? ELOOP : EACCES;
	/* A script: the kernel runs its interpreter, which Landlock
	 * decides too.  A relative name (from the worker's working folder)
	 * is left undecided. */
	else if (shebang(&c->s->fs, &w, name, sizeof(name)) && name[0] == '/') {
		r = walk_path(&c->s->fs, name, c->req->who.nspid, c->req->who.nstid,
		    WALK_FOLLOW | WALK_EXISTING, &iw);
		path_copy(c->interp, PATH_MAX, iw.canon);
		if (r < 0 || iw.fd == -1)
			e = e != 0 ? e : r < 0 ? -r : ENOENT;
		else if (!exec_decide(c, c->interp, &iw.st) && e == 0)
			e = EACCES;
		walk_release(&iw);
	}
	walk_release(&w);
	return e;
}
