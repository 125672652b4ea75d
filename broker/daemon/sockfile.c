/*
 * sockfile.c: see sockfile.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "sockfile.h"

int
sockfile_addr(struct sockaddr_un *sun, const char *path)
{
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(sun->sun_path)) {
		errno = len == 0 ? EINVAL : ENAMETOOLONG;
		return -1;
	}
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len);
	return 0;
}

/*
 * An existing socket file that nobody listens on (a broker that was
 * killed) is replaced; a live one, or anything that is not a socket, is
 * refused, never clobbered.  The socket is created with its final mode
 * through the umask, and its group set with lchown, so that nothing here
 * follows a symlink someone might put in its place.  Put it in a folder
 * only root may write (/run/filebroker): in a folder others can write, they
 * could swap the name between these steps.
 */
int
sockfile_create(const char *what, const char *path, mode_t mode, int set_group, gid_t group,
    struct stat *made)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd, saved;

	if (sockfile_addr(&sun, path) == -1)
		fatalx("serve: %s path '%s' is %s", what, path,
		    errno == EINVAL ? "empty" : "too long");
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("serve: %s exists and is not a socket; not replacing it", path);
		if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
			fatal("serve: socket");
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			fatalx("serve: %s: another broker is listening there", path);
		saved = errno;
		close(fd);
		if (saved != ECONNREFUSED) {
			errno = saved;
			fatal("serve: %s is a socket in use or unusable; not replacing it", path);
		}
		if (unlink(path) == -1)
			fatal("serve: removing the stale %s %s", what, path);
		log_info("removed the stale %s %s", what, path);
	} else if (errno != ENOENT)
		fatal("serve: %s", path);

	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
		fatal("serve: socket");
	old = umask(0777 & ~mode);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		umask(old);
		errno = saved;
		fatal("serve: bind %s", path);
	}
	umask(old);
	if (lstat(path, made) == -1)
		fatal("serve: %s", path);
	if (set_group && fchownat(AT_FDCWD, path, (uid_t)-1, group, AT_SYMLINK_NOFOLLOW) == -1) {
		saved = errno;
		unlink(path);
		errno = saved;
		fatal("serve: setting the group of %s", path);
	}
	if (listen(fd, SOMAXCONN) == -1)
		fatal("serve: listen %s", path);
	return fd;
}

void
sockfile_remove(const char *path, const struct stat *made)
{
	struct stat st;

	/* unlinkat, not unlink: the daemon's seccomp filter (confine.c)
	 * allows only the *at call, which the request handlers use too. */
	if (lstat(path, &st) == 0 && st.st_dev == made->st_dev && st.st_ino == made->st_ino &&
	    unlinkat(AT_FDCWD, path, 0) == -1)
		log_warn("removing %s", path);
}
