/*
 * badpath.h: a path that runs into an unmapped page without a NUL, for the
 * helpers that check an open(2) of it fails with the kernel's EFAULT (or
 * ENAMETOOLONG) and crashes nothing: attack_worker (through the filter)
 * and laneprobe (the preload library's lane).  Header-only: each helper
 * is one program.
 */
#ifndef FB_TEST_BADPATH_H
#define FB_TEST_BADPATH_H

#include <string.h>
#include <sys/mman.h>

/* "/aaa..." to the end of a page whose next page is unmapped; NULL when
 * the pages cannot be had. */
static inline const char *
path_into_nothing(void)
{
	char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (page == MAP_FAILED)
		return NULL;
	munmap(page + 4096, 4096);
	memset(page, 'a', 4096);
	page[0] = '/';
	return page;
}

#endif
