/*
 * test_sha256.c: SHA-256 and HMAC-SHA-256 (broker/base/sha256.c) against the
 * standard test vectors (FIPS 180-4 examples as NIST publishes them, RFC
 * 4231), each with the portable compression function and, where the
 * processor has them, with the SHA extensions; and the two against each
 * other on every length across several blocks, fed in pieces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sha256.h"

static void
hex_of(const unsigned char *d, size_t n, char *out)
{
	sha256_hex(d, n, out);
}

static void
check_sha(const void *p, size_t n, const char *want)
{
	unsigned char d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];

	sha256(p, n, d);
	hex_of(d, sizeof(d), hex);
	assert_string_equal(hex, want);
}

static void
vectors(void)
{
	static char million[1000000];
	struct sha256 c;
	unsigned char d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	size_t i;

	check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_sha("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
		  "klmnopqrlmnopqrsmnopqrstnopqrstu",
	    112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	memset(million, 'a', sizeof(million));
	check_sha(million, sizeof(million),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* The same million fed in odd pieces. */
	sha256_init(&c);
	for (i = 0; i < sizeof(million);) {
		size_t k = (i * 7 + 13) % 131;

		if (k > sizeof(million) - i)
			k = sizeof(million) - i;
		sha256_update(&c, million + i, k);
		i += k;
	}
	sha256_final(&c, d);
	hex_of(d, sizeof(d), hex);
	assert_string_equal(hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void
check_hmac(const void *key, size_t klen, const void *p, size_t n, const char *want)
{
	unsigned char d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];

	hmac_sha256(key, klen, p, n, d);
	hex_of(d, sizeof(d), hex);
	/* Test case 5 is truncated to 128 bits. */
	hex[strlen(want)] = '\0';
	assert_string_equal(hex, want);
}

/* RFC 4231, section 4. */
static void
hmac_vectors(void)
{
	unsigned char k[131], data[50];
	size_t i;

	memset(k, 0x0b, 20);
	check_hmac(k, 20, "Hi There", 8,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(k, 0xaa, 20);
	memset(data, 0xdd, 50);
	check_hmac(k, 20, data, 50,
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	for (i = 0; i < 25; i++)
		k[i] = (unsigned char)(i + 1);
	memset(data, 0xcd, 50);
	check_hmac(k, 25, data, 50,
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	memset(k, 0x0c, 20);
	check_hmac(k, 20, "Test With Truncation", 20, "a3b6167473100ee06e0c796c2955552b");
	memset(k, 0xaa, 131);
	check_hmac(k, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	check_hmac(k, 131,
	    "This is a test using a larger than block-size key and a larger than block-size "
	    "data. The key needs to be hashed before being used by the HMAC algorithm.",
	    152, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void
portable(void **state)
{
	(void)state;
	assert_int_equal(sha256_force_portable(1), 0);
	vectors();
	hmac_vectors();
	sha256_force_portable(0);
}

static void
extensions(void **state)
{
	(void)state;
	if (!sha256_force_portable(0))
		skip(); /* no SHA extensions on this processor */
	vectors();
	hmac_vectors();
}

/* Every length from 0 to 300 (padding in every position, up to five
 * blocks), whole and in two pieces: both functions agree. */
static void
agree(void **state)
{
	unsigned char buf[300], a[SHA256_LEN], b[SHA256_LEN];
	struct sha256 c;
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 131 + 7);
	for (n = 0; n <= sizeof(buf); n++) {
		sha256_force_portable(1);
		sha256(buf, n, a);
		sha256_force_portable(0);
		sha256_init(&c);
		sha256_update(&c, buf, n / 3);
		sha256_update(&c, buf + n / 3, n - n / 3);
		sha256_final(&c, b);
		assert_memory_equal(a, b, sizeof(a));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(portable),
		cmocka_unit_test(extensions),
		cmocka_unit_test(agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
