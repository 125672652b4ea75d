/*
 * policy_below.c: what the rules say below a path, compared between two
 * paths (policy_below_check(), for renaming a folder: everything below it
 * changes its path at once).
 *
 * After the components of a path P the trie's walk holds a set of live
 * nodes (policy_trie_walk()).  A rule whose pattern runs through a live
 * node n matches P/S, for a relative path S, exactly when the rest of its
 * pattern after n (its residual: "**" first when n loops, then the edges
 * from n down to the node the rule ends at) matches S.  So for every S,
 * the rules that match P/S are those with a residual, taken from the live
 * nodes of P, that matches S, and a decision below P depends only on the
 * set of residuals with their kind (allow or deny), access bits and
 * exactness.  Two paths whose residual sets are equal are decided alike
 * below them; and if every allow residual of B is one of A's and every
 * deny residual of A is one of B's, nothing below B is allowed what the
 * same path below A is not.  That is the check: it compares patterns, not
 * what they match, so it may say no where the rules are in fact equivalent
 * ("refuse when unsure"), never yes where they are not.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

/* Kinds of edge, as labels of a residual. */
enum { L_LIT = 1, L_GLOB, L_SELF, L_SS };

/* One residual: the rule ends at node end, reached from the live node
 * start; which bits allow and deny rules ending there give; and its hash. */
struct resid {
	uint64_t hash;
	uint32_t start, end;
	uint8_t allow, deny, exact;
};

struct resids {
	struct resid *v;
	size_t n, cap;
};

/* Residuals per side beyond this are not compared: the answer is no. */
#define BELOW_MAX 4096

static uint64_t
mix(uint64_t h, unsigned kind, const char *text, size_t len)
{
	size_t i;

	h ^= kind;
	h *= 0x100000001b3ull;
	for (i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ull;
	}
	h ^= len;
	return h * 0xff51afd7ed558ccdull;
}

/* The label of the edge into node c from its parent. */
static unsigned
label(const struct policy *p, uint32_t c, const char **text, size_t *len)
{
	const struct pnode *n = &p->nodes[c], *par = &p->nodes[n->parent];
	const struct pgedge *g;
	uint32_t i;

	*text = "";
	*len = 0;
	if (par->ss_child == c)
		return L_SS;
	if (par->self_child == c)
		return L_SELF;
	if (n->name_len > 0) {
		*text = p->pool + n->name_off;
		*len = n->name_len;
		return L_LIT;
	}
	for (i = 0; i < par->nglob; i++) {
		g = &p->gedges[par->glob_off + i];
		if (g->child == c) {
			*text = p->pool + g->off;
			*len = g->len;
			return L_GLOB;
		}
	}
	return 0; /* cannot happen: every node but the root has an edge */
}

/* Are the residuals x and y the same sequence of labels? */
static int
same(const struct policy *p, const struct resid *x, const struct resid *y)
{
	uint32_t a = x->end, b = y->end;
	const char *ta, *tb;
	size_t la, lb;
	unsigned ka, kb;

	if (x->hash != y->hash)
		return 0;
	for (;;) {
		if (a == x->start || b == y->start)
			return a == x->start && b == y->start &&
			    p->nodes[a].is_ss == p->nodes[b].is_ss;
		ka = label(p, a, &ta, &la);
		kb = label(p, b, &tb, &lb);
		if (ka != kb || la != lb || memcmp(ta, tb, la) != 0)
			return 0;
		a = p->nodes[a].parent;
		b = p->nodes[b].parent;
	}
}

static int
push(struct resids *r, const struct resid *e)
{
	struct resid *nv;
	size_t ncap;

	if (r->n == r->cap) {
		if (r->cap >= BELOW_MAX) {
			errno = E2BIG;
			return -1;
		}
		ncap = r->cap ? r->cap * 2 : 64;
		if ((nv = realloc(r->v, ncap * sizeof(*nv))) == NULL)
			return -1;
		r->v = nv;
		r->cap = ncap;
	}
	r->v[r->n++] = *e;
	return 0;
}

/* A node of the walk below a live node, with its residual's hash. */
struct item {
	uint32_t node;
	uint64_t hash;
};

/*
 * Every residual below the live node start: a depth-first walk of its
 * subtree.  Its "**" child is left out: it is live too (entering a node
 * enters its "**" child), and walked from there, so each residual is found
 * in one shape only.  The empty residual of a node that does not loop
 * matches nothing below the path and is left out as well.
 */
static int
collect(const struct policy *p, uint32_t start, struct resids *out, struct item **stack,
    size_t *cap)
{
	const struct pnode *n;
	const struct pterm *t;
	struct item it, *ns;
	struct resid e;
	size_t sp = 0, j;
	uint32_t c;
	unsigned b;

	it.node = start;
	it.hash = mix(0xcbf29ce484222325ull, p->nodes[start].is_ss ? L_SS : 0, "", 0);
	(*stack)[sp++] = it;
	while (sp > 0) {
		it = (*stack)[--sp];
		n = &p->nodes[it.node];
		if (n->term != PNONE && (it.node != start || n->is_ss)) {
			t = &p->terms[n->term];
			memset(&e, 0, sizeof(e));
			e.hash = it.hash;
			e.start = start;
			e.end = it.node;
			e.exact = n->exact;
			for (b = 0; b < POLICY_NBITS; b++) {
				if (t->allow[b] != PNONE)
					e.allow |= (uint8_t)(1u << b);
				if (t->deny[b] != PNONE)
					e.deny |= (uint8_t)(1u << b);
			}
			if (push(out, &e) == -1)
				return -1;
		}
		/* Room for every child of this node. */
		if (sp + n->lit_mask + 1 + n->nglob + 2 > *cap) {
			size_t ncap = (sp + n->lit_mask + 1 + n->nglob + 2) * 2;

			if ((ns = realloc(*stack, ncap * sizeof(*ns))) == NULL)
				return -1;
			*stack = ns;
			*cap = ncap;
		}
		for (j = 0; n->has_lit && j <= n->lit_mask; j++) {
			if ((c = p->slots[n->lit_off + j].child) == PNONE)
				continue;
			(*stack)[sp].node = c;
			(*stack)[sp++].hash = mix(it.hash, L_LIT, p->pool + p->nodes[c].name_off,
			    p->nodes[c].name_len);
		}
		for (j = 0; j < n->nglob; j++) {
			const struct pgedge *g = &p->gedges[n->glob_off + j];

			(*stack)[sp].node = g->child;
			(*stack)[sp++].hash = mix(it.hash, L_GLOB, p->pool + g->off, g->len);
		}
		if (n->self_child != PNONE) {
			(*stack)[sp].node = n->self_child;
			(*stack)[sp++].hash = mix(it.hash, L_SELF, "", 0);
		}
		if (n->ss_child != PNONE && it.node != start) {
			(*stack)[sp].node = n->ss_child;
			(*stack)[sp++].hash = mix(it.hash, L_SS, "", 0);
		}
	}
	return 0;
}

/* The residuals below path (its folding components as policy_decide_fold()
 * takes them). */
static int
residuals(const struct policy *p, const char *path, pid_t self_pid, const uint64_t *fold,
    size_t nfold, struct resids *out)
{
	struct policy_states *a, *b, *cur;
	struct item *stack;
	size_t i, cap = 64;
	int rv = -1;

	/* Two sets are 8 KiB: on the heap, this is no hot path. */
	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	stack = malloc(cap * sizeof(*stack));
	if (a == NULL || b == NULL || stack == NULL)
		goto out;
	if (policy_trie_walk(p, path, self_pid, fold, nfold, a, b, &cur) == -1)
		goto out;
	for (i = 0; i < cur->n; i++)
		if (collect(p, cur->v[i], out, &stack, &cap) == -1)
			goto out;
	rv = 0;
out:
	free(a);
	free(b);
	free(stack);
	return rv;
}

/* Does some residual of set have the bits of want (allow or deny, per
 * kind) and the shape of e, and (exact) an exact rule when e has one? */
static int
has(const struct policy *p, const struct resids *set, const struct resid *e, unsigned bit,
    int allow)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct resid *x = &set->v[i];

		if (!((allow ? x->allow : x->deny) & bit))
			continue;
		if (allow && e->exact && !x->exact)
			continue;
		if (same(p, x, e))
			return 1;
	}
	return 0;
}

int
policy_below_check_fold(const struct policy *p, const char *from, const uint64_t *ffold,
    const char *to, const uint64_t *tfold, size_t nfold, unsigned access, pid_t self_pid)
{
	/* Allow rules as written, deny rules on every spelling of the
	 * folding components (policy_decide_fold()): each side's allow
	 * residuals from its plain walk, its deny residuals from its folding
	 * one (the same walk when nothing folds). */
	struct resids fa = { 0 }, ta = { 0 }, fd = { 0 }, td = { 0 };
	const struct resids *fden = &fa, *tden = &ta;
	unsigned b;
	size_t i;
	int rv = -1;

	if (p == NULL || access == 0 || (access & ~POLICY_ALL) != 0 ||
	    policy_path_check(from) == -1 || policy_path_check(to) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (residuals(p, from, self_pid, NULL, 0, &fa) == -1 ||
	    residuals(p, to, self_pid, NULL, 0, &ta) == -1 ||
	    (ffold != NULL && residuals(p, from, self_pid, ffold, nfold, &fd) == -1) ||
	    (tfold != NULL && residuals(p, to, self_pid, tfold, nfold, &td) == -1)) {
		/* More residuals than are worth comparing: say no. */
		rv = errno == E2BIG ? 0 : -1;
		goto out;
	}
	if (ffold != NULL)
		fden = &fd;
	if (tfold != NULL)
		tden = &td;
	rv = 1;
	for (b = 1; b <= POLICY_ALL && rv == 1; b <<= 1) {
		if (!(access & b))
			continue;
		/* Everything that allows below `to` allows below `from`... */
		for (i = 0; i < ta.n && rv == 1; i++)
			if ((ta.v[i].allow & b) && !has(p, &fa, &ta.v[i], b, 1))
				rv = 0;
		/* ... and everything that denies below `from` denies below
		 * `to`. */
		for (i = 0; i < fden->n && rv == 1; i++)
			if ((fden->v[i].deny & b) && !has(p, tden, &fden->v[i], b, 0))
				rv = 0;
	}
out:
	free(fa.v);
	free(ta.v);
	free(fd.v);
	free(td.v);
	return rv;
}

int
policy_below_check(const struct policy *p, const char *from, const char *to, unsigned access,
    pid_t self_pid)
{
	return policy_below_check_fold(p, from, NULL, to, NULL, 0, access, self_pid);
}
