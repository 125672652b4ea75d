/*
 * fuzz_elf_parse.c: the ELF object and loader cache decoders
 * (broker/run/elf_parse.c) on hostile bytes: a program a user names as
 * COMMAND, and any library it leads to, is the user's file.
 *
 * Input: a first byte choosing the decoder (even: an object, odd: a cache
 * image), then the bytes.  Oracle: no read outside the input (the reader
 * aborts on a request past what a correct decoder could ask for, and
 * sanitizers catch the rest); the answer is -1 (with errno EINVAL or
 * ENOMEM, nothing kept), 1 (nothing kept), or 0 with an interpreter path
 * that is a terminated string and at most ELF_PARSE_NEEDED_MAX names;
 * every cache entry's name and path are strings inside the image.  Seeds:
 * tests/fuzz/corpus/fuzz_elf_parse/ (an object of the unit test's shape,
 * a static one, a cache).
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *p;
	size_t len;
};

static ssize_t
in_read(void *arg, void *buf, size_t len, uint64_t off)
{
	const struct input *in = arg;

	/* No more than the largest table it reads: the dynamic entries. */
	if (len > ELF_PARSE_DYN_MAX * sizeof(Elf64_Dyn))
		abort();
	if (off >= in->len)
		return 0;
	if (len > in->len - off)
		len = (size_t)(in->len - off);
	memcpy(buf, in->p + off, len);
	return (ssize_t)len;
}

static const struct input *cache_in;

static int
entry(const char *name, const char *path, void *arg)
{
	const char *b = (const char *)cache_in->p, *e = b + cache_in->len;

	(void)arg;
	if (name < b || name >= e || path < b || path >= e ||
	    memchr(name, '\0', (size_t)(e - name)) == NULL ||
	    memchr(path, '\0', (size_t)(e - path)) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in;
	struct elf_info ei;
	size_t i;
	int r;

	if (size < 1)
		return 0;
	in.p = data + 1;
	in.len = size - 1;
	if (data[0] & 1) {
		cache_in = &in;
		if (elf_parse_cache(in.p, in.len, entry, NULL) == -1 && errno != EINVAL)
			abort();
		return 0;
	}
	errno = 0;
	r = elf_parse_object(in_read, &in, &ei);
	if (r == -1 && errno != EINVAL && errno != ENOMEM)
		abort();
	if (r != 0) {
		if (ei.interp[0] != '\0' || ei.needed != NULL || ei.rpath != NULL ||
		    ei.runpath != NULL)
			abort();
		return 0;
	}
	if (memchr(ei.interp, '\0', sizeof(ei.interp)) == NULL || ei.nneeded > ELF_PARSE_NEEDED_MAX)
		abort();
	for (i = 0; i < ei.nneeded; i++)
		if (ei.needed[i] == NULL)
			abort();
	elf_parse_info_free(&ei);
	return 0;
}
