/*
 * mutate.c: a small mutation loop around a libFuzzer target, built with gcc
 * so that `make check` exercises every decoder on every run without clang.
 *
 *	mutate_fuzz_NAME CORPUS_DIR ITERATIONS [SEED]
 *
 * Replays every file of CORPUS_DIR, then feeds ITERATIONS mutated copies
 * (bit flips, byte sets, insertions, deletions, splices of two seeds,
 * interesting values).  A crash is the failure; sanitizers make it loud.
 * Prints "mutate: NAME: N inputs, 0 crashes" on success.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEDS 4096
#define MUTATE_MAX_INPUT (64 * 1024)

static uint8_t *seeds[MAX_SEEDS];
static size_t seedlen[MAX_SEEDS];
static size_t nseeds;
static uint64_t rng;

static uint64_t
next(void)
{
	/* xorshift64*: deterministic for a given seed, so failures replay. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static void
load_seeds(const char *dir)
{
	DIR *d;
	struct dirent *e;
	char path[4096];
	FILE *f;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "mutate: %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	while ((e = readdir(d)) != NULL && nseeds < MAX_SEEDS) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		seeds[nseeds] = malloc(MUTATE_MAX_INPUT);
		if (seeds[nseeds] == NULL)
			exit(1);
		seedlen[nseeds] = fread(seeds[nseeds], 1, MUTATE_MAX_INPUT, f);
		fclose(f);
		nseeds++;
	}
	closedir(d);
}

static size_t
mutate(uint8_t *buf, size_t len, size_t cap)
{
	static const uint8_t interesting[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, '/', '.', '*', '\\',
		'[', ']', '?', '\n', ',', '#', ' ', '@', '=' };
	int rounds = 1 + (int)(next() % 8);
	size_t pos, n, k;

	while (rounds-- > 0) {
		switch (next() % 7) {
		case 0: /* flip a bit */
			if (len > 0)
				buf[next() % len] ^= (uint8_t)(1u << (next() % 8));
			break;
		case 1: /* set a byte to an interesting value */
			if (len > 0)
				buf[next() % len] = interesting[next() % sizeof(interesting)];
			break;
		case 2: /* insert random bytes */
			n = 1 + next() % 16;
			if (len + n > cap)
				break;
			pos = len ? next() % (len + 1) : 0;
			memmove(buf + pos + n, buf + pos, len - pos);
			for (k = 0; k < n; k++)
				buf[pos + k] = (uint8_t)next();
			len += n;
			break;
		case 3: /* delete a range */
			if (len == 0)
				break;
			pos = next() % len;
			n = 1 + next() % (len - pos);
			memmove(buf + pos, buf + pos + n, len - pos - n);
			len -= n;
			break;
		case 4: /* splice in part of another seed */
			if (nseeds > 0) {
				size_t s = next() % nseeds, from, m;
				if (seedlen[s] == 0)
					break;
				from = next() % seedlen[s];
				m = 1 + next() % (seedlen[s] - from);
				pos = len ? next() % (len + 1) : 0;
				if (pos + m > cap)
					break;
				memcpy(buf + pos, seeds[s] + from, m);
				if (pos + m > len)
					len = pos + m;
			}
			break;
		case 5: /* truncate */
			if (len > 0)
				len = next() % len;
			break;
		default: /* duplicate a range */
			if (len == 0)
				break;
			pos = next() % len;
			n = 1 + next() % (len - pos);
			if (len + n > cap)
				break;
			memmove(buf + pos + n, buf + pos, len - pos);
			len += n;
			break;
		}
	}
	return len;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[MUTATE_MAX_INPUT];
	unsigned long iterations, i;
	const char *name;
	size_t s, len;

	if (argc < 3) {
		fprintf(stderr, "usage: %s CORPUS_DIR ITERATIONS [SEED]\n", argv[0]);
		return 2;
	}
	name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	iterations = strtoul(argv[2], NULL, 10);
	rng = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x9e3779b97f4a7c15ULL;
	if (rng == 0)
		rng = 1;
	load_seeds(argv[1]);
	for (s = 0; s < nseeds; s++)
		LLVMFuzzerTestOneInput(seeds[s], seedlen[s]);
	for (i = 0; i < iterations; i++) {
		if (nseeds > 0) {
			s = next() % nseeds;
			memcpy(buf, seeds[s], seedlen[s]);
			len = seedlen[s];
		} else
			len = 0;
		len = mutate(buf, len, sizeof(buf));
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("mutate: %s: %lu inputs, 0 crashes\n", name, iterations + nseeds);
	for (s = 0; s < nseeds; s++)
		free(seeds[s]);
	return 0;
}
