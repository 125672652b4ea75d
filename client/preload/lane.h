/*
 * lane.h: the preload library's own way to the broker for opens (lane.c).
 */
#ifndef FB_LANE_H
#define FB_LANE_H

/* At load: FILEBROKER_LANE (microseconds to poll for a reply, 0-1000) and
 * FILEBROKER_FD; without both, lane_open() takes nothing. */
void lane_init(void);

/*
 * Ask the broker on this thread's channel for the open of path (from
 * dirfd) with flags, where the lane takes it (lane.c says which): 1, and
 * *result the descriptor, or -1 with errno the broker's answer.  0 when it
 * does not (errno as it was): the caller makes the system call.
 */
int lane_open(int dirfd, const char *path, int flags, int *result);

#endif
