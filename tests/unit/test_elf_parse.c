/*
 * test_elf_parse.c: an ELF object's loading needs and the loader's cache
 * from their bytes (broker/run/elf_parse.c): objects made here, every prefix
 * of one and every bad offset refused, and the programs and the cache of
 * this machine.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "elf_parse.h"

/* An object in memory, read through buf_read(). */
struct img {
	unsigned char b[4096];
	size_t len;
};

static ssize_t
buf_read(void *arg, void *buf, size_t len, uint64_t off)
{
	const struct img *m = arg;

	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = (size_t)(m->len - off);
	memcpy(buf, m->b + off, len);
	return (ssize_t)len;
}

/* Where make_obj() put things, for the tests that break them. */
#define OFF_PH 64
#define NPH 4
#define OFF_INTERP (OFF_PH + NPH * sizeof(Elf64_Phdr))
#define OFF_STR 600
#define OFF_DYN 1024
#define VADDR 0x400000

/* A dynamic x86_64 object: PT_INTERP /lib64/ld-linux-x86-64.so.2, needs
 * libfoo.so.1 and libc.so.6, DT_RPATH /opt/r, DT_RUNPATH $ORIGIN/../lib;
 * its string table found by address in its one PT_LOAD. */
static void
make_obj(struct img *m)
{
	static const char interp[] = "/lib64/ld-linux-x86-64.so.2";
	static const char strs[] = "\0libfoo.so.1\0libc.so.6\0/opt/r\0$ORIGIN/../lib";
	Elf64_Ehdr *eh = (Elf64_Ehdr *)m->b;
	Elf64_Phdr *ph = (Elf64_Phdr *)(m->b + OFF_PH);
	Elf64_Dyn *d = (Elf64_Dyn *)(m->b + OFF_DYN);

	memset(m, 0, sizeof(*m));
	m->len = 2048;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = OFF_PH;
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = NPH;
	ph[0].p_type = PT_INTERP;
	ph[0].p_offset = OFF_INTERP;
	ph[0].p_filesz = sizeof(interp);
	memcpy(m->b + OFF_INTERP, interp, sizeof(interp));
	ph[1].p_type = PT_LOAD;
	ph[1].p_offset = 0;
	ph[1].p_vaddr = VADDR;
	ph[1].p_filesz = m->len;
	ph[2].p_type = PT_DYNAMIC;
	ph[2].p_offset = OFF_DYN;
	ph[2].p_filesz = 8 * sizeof(Elf64_Dyn);
	ph[3].p_type = PT_NOTE;
	memcpy(m->b + OFF_STR, strs, sizeof(strs));
	d[0].d_tag = DT_NEEDED;
	d[0].d_un.d_val = 1;
	d[1].d_tag = DT_NEEDED;
	d[1].d_un.d_val = 13;
	d[2].d_tag = DT_STRTAB;
	d[2].d_un.d_ptr = VADDR + OFF_STR;
	d[3].d_tag = DT_STRSZ;
	d[3].d_un.d_val = sizeof(strs);
	d[4].d_tag = DT_RPATH;
	d[4].d_un.d_val = 23;
	d[5].d_tag = DT_RUNPATH;
	d[5].d_un.d_val = 30;
	d[6].d_tag = DT_NULL;
}

static void
test_object(void **state)
{
	struct elf_info ei;
	struct img m;

	(void)state;
	make_obj(&m);
	assert_int_equal(elf_parse_object(buf_read, &m, &ei), 0);
	assert_string_equal(ei.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_int_equal(ei.nneeded, 2);
	assert_string_equal(ei.needed[0], "libfoo.so.1");
	assert_string_equal(ei.needed[1], "libc.so.6");
	assert_string_equal(ei.rpath, "/opt/r");
	assert_string_equal(ei.runpath, "$ORIGIN/../lib");
	elf_parse_info_free(&ei);
	assert_null(ei.needed);
}

/* No PT_INTERP, no PT_DYNAMIC: a static program. */
static void
test_static(void **state)
{
	Elf64_Phdr *ph;
	struct elf_info ei;
	struct img m;

	(void)state;
	make_obj(&m);
	ph = (Elf64_Phdr *)(m.b + OFF_PH);
	ph[0].p_type = PT_NOTE;
	ph[2].p_type = PT_NOTE;
	assert_int_equal(elf_parse_object(buf_read, &m, &ei), 0);
	assert_string_equal(ei.interp, "");
	assert_int_equal(ei.nneeded, 0);
	assert_null(ei.rpath);
	elf_parse_info_free(&ei);
}

/* Not an object of this machine: 1, and nothing kept. */
static void
test_foreign(void **state)
{
	struct elf_info ei;
	struct img m;

	(void)state;
	memset(&m, 0, sizeof(m));
	memcpy(m.b, "#!/bin/sh\necho\n", 15);
	m.len = 15;
	assert_int_equal(elf_parse_object(buf_read, &m, &ei), 1);
	m.len = 0;
	assert_int_equal(elf_parse_object(buf_read, &m, &ei), 1);
	make_obj(&m);
	m.b[EI_CLASS] = ELFCLASS32;
	assert_int_equal(elf_parse_object(buf_read, &m, &ei), 1);
	make_obj(&m);
	m.b[EI_DATA] = ELFDATA2MSB;
	assert_int_equal(elf_parse_object(buf_read, &m, &ei), 1);
	make_obj(&m);
	((Elf64_Ehdr *)m.b)->e_machine = EM_AARCH64;
	assert_int_equal(elf_parse_object(buf_read, &m, &ei), 1);
	make_obj(&m);
	((Elf64_Ehdr *)m.b)->e_type = ET_REL;
	assert_int_equal(elf_parse_object(buf_read, &m, &ei), 1);
	assert_string_equal(ei.interp, "");
	assert_null(ei.needed);
}

/* Every prefix of the object: never read past what was read, and each
 * cut either refused (EINVAL) or, once what is needed is there, parsed
 * whole. */
static void
test_prefixes(void **state)
{
	struct elf_info ei;
	struct img m;
	size_t n;
	int r;

	(void)state;
	make_obj(&m);
	for (n = 0; n <= m.len; n++) {
		struct img cut = m;

		cut.len = n;
		errno = 0;
		r = elf_parse_object(buf_read, &cut, &ei);
		if (n < SELFMAG)
			assert_int_equal(r, 1);
		else if (r == -1)
			assert_int_equal(errno, EINVAL);
		else {
			assert_int_equal(r, 0);
			assert_true(n > OFF_DYN);
			assert_int_equal(ei.nneeded, 2);
		}
		elf_parse_info_free(&ei);
	}
}

/* Each header that does not hold together: -1 EINVAL, nothing kept. */
static void
test_bad(void **state)
{
	Elf64_Phdr *ph;
	Elf64_Dyn *d;
	struct elf_info ei;
	struct img m;
	int i;

	(void)state;
	for (i = 0; i < 9; i++) {
		make_obj(&m);
		ph = (Elf64_Phdr *)(m.b + OFF_PH);
		d = (Elf64_Dyn *)(m.b + OFF_DYN);
		switch (i) {
		case 0: /* an interpreter without its NUL */
			m.b[OFF_INTERP + ph[0].p_filesz - 1] = 'x';
			break;
		case 1: /* an interpreter longer than a path */
			ph[0].p_filesz = PATH_MAX + 1;
			break;
		case 2: /* a needed name past the table's size */
			d[0].d_un.d_val = 1000;
			break;
		case 3: /* the table at an address nothing loads */
			d[2].d_un.d_ptr = 0x10;
			break;
		case 4: /* names without a table */
			d[2].d_tag = DT_DEBUG;
			break;
		case 5: /* program headers of another size */
			((Elf64_Ehdr *)m.b)->e_phentsize = 32;
			break;
		case 6: /* too many program headers */
			((Elf64_Ehdr *)m.b)->e_phnum = ELF_PARSE_PHNUM_MAX + 1;
			break;
		case 7: /* program headers past the end */
			((Elf64_Ehdr *)m.b)->e_phoff = UINT64_MAX - 8;
			break;
		case 8: /* the last name runs to the end of the table */
			d[3].d_un.d_val = 32;
			break;
		}
		errno = 0;
		assert_int_equal(elf_parse_object(buf_read, &m, &ei), -1);
		assert_int_equal(errno, EINVAL);
		assert_null(ei.needed);
		assert_string_equal(ei.interp, "");
	}
}

static ssize_t
fd_read(void *arg, void *buf, size_t len, uint64_t off)
{
	return pread(*(int *)arg, buf, len, (off_t)off);
}

/* This test program is dynamically linked: it needs libc. */
static void
test_self(void **state)
{
	struct elf_info ei;
	size_t i;
	int fd, found = 0;

	(void)state;
	assert_true((fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(elf_parse_object(fd_read, &fd, &ei), 0);
	close(fd);
	assert_true(ei.interp[0] == '/');
	for (i = 0; i < ei.nneeded; i++)
		found |= strcmp(ei.needed[i], "libc.so.6") == 0;
	assert_true(found);
	elf_parse_info_free(&ei);
}

/* A cache image: the header, then entries of 24 bytes, then strings. */
struct cache {
	unsigned char b[512];
	size_t len;
};

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void
make_cache(struct cache *c)
{
	static const char strs[] = "libz.so.1\0/lib/x86_64-linux-gnu/libz.so.1\0libz32.so.1\0"
				   "/lib32/libz.so.1";
	const uint32_t base = 48 + 3 * 24;
	const uint32_t flags[3] = { 0x0303, 0x0003, 0x0303 };
	const uint32_t key[3] = { 0, 42, 42 }, val[3] = { 10, 54, 54 };
	int i;

	memset(c, 0, sizeof(*c));
	memcpy(c->b, "glibc-ld.so.cache1.1", 20);
	put32(c->b + 20, 3);
	put32(c->b + 24, sizeof(strs));
	for (i = 0; i < 3; i++) {
		put32(c->b + 48 + 24 * i, flags[i]);
		put32(c->b + 48 + 24 * i + 4, base + key[i]);
		put32(c->b + 48 + 24 * i + 8, base + val[i]);
	}
	memcpy(c->b + base, strs, sizeof(strs));
	c->len = base + sizeof(strs);
}

struct seen {
	char names[8][64], paths[8][64];
	int n;
};

static int
note(const char *name, const char *path, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
		snprintf(s->paths[s->n], sizeof(s->paths[0]), "%s", path);
	}
	s->n++;
	return 0;
}

static void
test_cache(void **state)
{
	struct seen s;
	struct cache c;

	(void)state;
	make_cache(&c);
	memset(&s, 0, sizeof(s));
	/* The i386 entry is left out; the third is x86_64 again. */
	assert_int_equal(elf_parse_cache(c.b, c.len, note, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.names[0], "libz.so.1");
	assert_string_equal(s.paths[0], "/lib/x86_64-linux-gnu/libz.so.1");
	assert_string_equal(s.names[1], "libz32.so.1");
	assert_string_equal(s.paths[1], "/lib32/libz.so.1");

	/* Not the new format, too many entries, a string past the end, a
	 * string without its NUL. */
	make_cache(&c);
	c.b[19] = '0';
	assert_int_equal(elf_parse_cache(c.b, c.len, note, &s), -1);
	assert_int_equal(errno, EINVAL);
	make_cache(&c);
	put32(c.b + 20, 1000);
	assert_int_equal(elf_parse_cache(c.b, c.len, note, &s), -1);
	make_cache(&c);
	put32(c.b + 48 + 8, 5000);
	assert_int_equal(elf_parse_cache(c.b, c.len, note, &s), -1);
	make_cache(&c);
	assert_int_equal(elf_parse_cache(c.b, c.len - 1, note, &s), -1);
	assert_int_equal(elf_parse_cache(c.b, 10, note, &s), -1);
}

/* This machine's cache, where there is one, knows libc. */
static void
test_cache_here(void **state)
{
	struct stat st;
	struct seen s;
	char *buf;
	int fd, i, found = 0;

	(void)state;
	if ((fd = open("/etc/ld.so.cache", O_RDONLY | O_CLOEXEC)) == -1) {
		skip();
		return;
	}
	assert_int_equal(fstat(fd, &st), 0);
	assert_non_null(buf = malloc((size_t)st.st_size));
	assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	memset(&s, 0, sizeof(s));
	assert_int_equal(elf_parse_cache(buf, (size_t)st.st_size, note, &s), 0);
	free(buf);
	assert_true(s.n > 0);
	for (i = 0; i < s.n && i < 8; i++)
		found |= strchr(s.paths[i], '/') != NULL;
	assert_true(found);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_cache_here),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
