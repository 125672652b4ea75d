/*
 * systemd.h: what `filebroker serve` speaks of systemd's protocols, without
 * libsystemd: socket activation (LISTEN_PID, LISTEN_FDS) and notifications
 * to NOTIFY_SOCKET (READY=1, RELOADING=1, STOPPING=1).
 */
#ifndef FB_SYSTEMD_H
#define FB_SYSTEMD_H

/* Send msg to $NOTIFY_SOCKET; nothing happens when it is not set, and a
 * failure is only logged (debug). */
void systemd_notify(const char *msg);

/*
 * The listening socket systemd passed for this process (LISTEN_FDS=1,
 * descriptor 3), made close-on-exec and non-blocking, with the LISTEN_*
 * variables removed; -1 when there is none.  Exits (fatal) when systemd
 * passed several sockets or one that is not a listening Unix
 * SOCK_SEQPACKET socket.
 */
int systemd_listen_fd(void);

#endif
