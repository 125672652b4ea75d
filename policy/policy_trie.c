/*
 * policy_trie.c: rules compiled into a trie of path components; deciding.
 *
 * Each rule's pattern is a walk from the root: one edge per component.
 * Edges are of four kinds: a literal name (kept per node in a small open-
 * addressed hash table, so one probe finds it however many siblings there
 * are), a wildcard component such as "*.txt" (a short list per node, tried
 * one by one), the /proc/self edge (matches the worker's pid) and the "**"
 * edge.  The node a "**" edge leads to loops on any component and is also
 * entered without consuming one, which gives "zero or more components".
 *
 * Every node where rules end keeps, per access bit, the earliest allow rule
 * and the earliest deny rule ending there.  That is all a decision needs,
 * so the rest of the rules are never looked at.
 *
 * Deciding is an NFA simulation over the path's components: the set of live
 * nodes, deduplicated at every step, so several "**" cost path length x live
 * nodes, never the exponential of backtracking.  The set lives on the stack
 * in a fixed array; at load time a bound on its size is computed from the
 * trie's shape and policies that could exceed it are refused, so a decision
 * never allocates and never runs out of room.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

#define SAT ((uint64_t)1 << 40) /* saturation for the size bound arithmetic */

static inline uint32_t
comp_hash(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

	while (n >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		s += 8;
		n -= 8;
	}
	if (n > 0) {
		/* Byte by byte: a variable-length memcpy is a call, and most
		 * names are short enough to be nothing but this tail. */
		w = 0;
		while (n-- > 0)
			w = w << 8 | (unsigned char)s[n];
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

/* ---- building ---- */

struct bedge {
	uint32_t parent, child;
	enum pcomp_kind kind;
	const char *text;
	size_t len;
	uint32_t hash;
};

struct build {
	struct pnode *nodes;
	size_t nnodes, capnodes;
	struct bedge *edges;
	size_t nedges, capedges;
	uint32_t *map; /* edge index + 1, 0 for empty */
	size_t mapcap;
};

static uint32_t
edge_key(uint32_t parent, enum pcomp_kind kind, uint32_t texthash)
{
	uint64_t h = ((uint64_t)parent << 32 | texthash) ^ ((uint64_t)kind << 60);

	h *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 32);
}

static int
map_grow(struct build *b)
{
	uint32_t *nm;
	size_t ncap = b->mapcap ? b->mapcap * 2 : 1024, i, j;

	if ((nm = calloc(ncap, sizeof(*nm))) == NULL)
		return -1;
	for (i = 0; i < b->nedges; i++) {
		j = edge_key(b->edges[i].parent, b->edges[i].kind, b->edges[i].hash) & (ncap - 1);
		while (nm[j] != 0)
			j = (j + 1) & (ncap - 1);
		nm[j] = (uint32_t)i + 1;
	}
	free(b->map);
	b->map = nm;
	b->mapcap = ncap;
	return 0;
}

static uint32_t
node_new(struct build *b, uint32_t parent, int is_ss, int exact)
{
	struct pnode *nv, *n;
	size_t ncap;

	if (b->nnodes >= UINT32_MAX - 1)
		return PNONE;
	if (b->nnodes == b->capnodes) {
		ncap = b->capnodes ? b->capnodes * 2 : 256;
		if ((nv = realloc(b->nodes, ncap * sizeof(*nv))) == NULL)
			return PNONE;
		b->nodes = nv;
		b->capnodes = ncap;
	}
	n = &b->nodes[b->nnodes];
	memset(n, 0, sizeof(*n));
	n->self_child = n->ss_child = n->term = PNONE;
	n->parent = parent;
	n->is_ss = (uint8_t)is_ss;
	n->exact = (uint8_t)exact;
	return (uint32_t)b->nnodes++;
}

/* The child of parent along (kind, text), created if missing. */
static uint32_t
edge_get(struct build *b, uint32_t parent, const struct pcomp *pc)
{
	struct bedge *e, *nv;
	const char *text = pc->kind == PC_LIT || pc->kind == PC_GLOB ? pc->text : "";
	size_t len = pc->kind == PC_LIT || pc->kind == PC_GLOB ? pc->len : 0, j, ncap;
	uint32_t h = comp_hash(text, len), child;
	const struct pnode *pn = &b->nodes[parent];

	if ((b->nedges + 1) * 2 > b->mapcap && map_grow(b) == -1)
		return PNONE;
	j = edge_key(parent, pc->kind, h) & (b->mapcap - 1);
	while (b->map[j] != 0) {
		e = &b->edges[b->map[j] - 1];
		if (e->parent == parent && e->kind == pc->kind && e->hash == h && e->len == len &&
		    memcmp(e->text, text, len) == 0)
			return e->child;
		j = (j + 1) & (b->mapcap - 1);
	}
	child = node_new(b, parent, pc->kind == PC_STARSTAR,
	    pn->exact && (pc->kind == PC_LIT || pc->kind == PC_SELF));
	if (child == PNONE)
		return PNONE;
	if (b->nedges == b->capedges) {
		ncap = b->capedges ? b->capedges * 2 : 256;
		if ((nv = realloc(b->edges, ncap * sizeof(*nv))) == NULL)
			return PNONE;
		b->edges = nv;
		b->capedges = ncap;
	}
	e = &b->edges[b->nedges];
	e->parent = parent;
	e->child = child;
	e->kind = pc->kind;
	e->text = text;
	e->len = len;
	e->hash = h;
	b->map[j] = (uint32_t)++b->nedges;
	if (pc->kind == PC_SELF)
		b->nodes[parent].self_child = child;
	else if (pc->kind == PC_STARSTAR)
		b->nodes[parent].ss_child = child;
	return child;
}

/* Flatten the build edges into the policy's lookup arrays. */
static int
freeze(struct build *b, struct policy *p)
{
	size_t i, pool = 0, nslots = 0, nglob = 0, j;
	uint32_t *nlit = NULL, *gfill = NULL;
	struct bedge *e;
	struct pnode *n;
	int rv = -1;

	if ((nlit = calloc(b->nnodes, sizeof(*nlit))) == NULL ||
	    (gfill = calloc(b->nnodes, sizeof(*gfill))) == NULL)
		goto out;
	for (i = 0; i < b->nedges; i++) {
		e = &b->edges[i];
		if (e->kind == PC_LIT)
			nlit[e->parent]++;
		else if (e->kind == PC_GLOB)
			b->nodes[e->parent].nglob++;
		if (e->kind == PC_LIT || e->kind == PC_GLOB)
			pool += e->len;
	}
	for (i = 0; i < b->nnodes; i++) {
		n = &b->nodes[i];
		if (nlit[i] > 0) {
			/* At most half full, so probes stay short. */
			for (j = 2; j < (size_t)nlit[i] * 2; j *= 2)
				;
			n->has_lit = 1;
			n->lit_off = (uint32_t)nslots;
			n->lit_mask = (uint32_t)(j - 1);
			nslots += j;
		}
		n->glob_off = (uint32_t)nglob;
		nglob += n->nglob;
	}
	if (nslots > UINT32_MAX / 2 || pool > UINT32_MAX / 2)
		goto out;
	p->slots = malloc((nslots ? nslots : 1) * sizeof(*p->slots));
	p->gedges = malloc((nglob ? nglob : 1) * sizeof(*p->gedges));
	p->pool = malloc(pool ? pool : 1);
	if (p->slots == NULL || p->gedges == NULL || p->pool == NULL)
		goto out;
	for (i = 0; i < nslots; i++)
		p->slots[i].child = PNONE;
	p->nslots = nslots;
	p->ngedges = nglob;
	pool = 0;
	for (i = 0; i < b->nedges; i++) {
		e = &b->edges[i];
		if (e->kind == PC_LIT) {
			n = &b->nodes[e->parent];
			memcpy(p->pool + pool, e->text, e->len);
			b->nodes[e->child].name_off = (uint32_t)pool;
			b->nodes[e->child].name_len = (uint32_t)e->len;
			pool += e->len;
			j = e->hash & n->lit_mask;
			while (p->slots[n->lit_off + j].child != PNONE)
				j = (j + 1) & n->lit_mask;
			p->slots[n->lit_off + j].hash = e->hash;
			p->slots[n->lit_off + j].child = e->child;
		} else if (e->kind == PC_GLOB) {
			struct pgedge *g;

			n = &b->nodes[e->parent];
			g = &p->gedges[n->glob_off + gfill[e->parent]++];
			memcpy(p->pool + pool, e->text, e->len);
			g->off = (uint32_t)pool;
			g->len = (uint32_t)e->len;
			g->child = e->child;
			g->star = e->len == 1 && e->text[0] == '*';
			pool += e->len;
		}
	}
	p->poolsz = pool;
	rv = 0;
out:
	free(nlit);
	free(gfill);
	return rv;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a + b > SAT ? SAT : a + b;
}

static uint64_t
sat_mul(uint64_t a, uint64_t b)
{
	if (a != 0 && b > SAT / a)
		return SAT;
	return a * b;
}

/*
 * An upper bound on how many nodes can be live at once, computed bottom-up
 * (children always have larger ids than their parent).  For a node entered
 * once: its children matched by one component are at most one literal child
 * plus every wildcard child, each bounded recursively.  A "**" node stays
 * live and sends the path into its children at every step, so their runs
 * overlap; a run dies once it is deeper than the child's subtree, so at most
 * height+1 runs overlap, and never more than the subtree has nodes.
 */
static int
bound(struct policy *p, size_t *out)
{
	uint64_t *sz, *ht, *lv, c, maxlit, w;
	const struct pnode *n;
	size_t i, j, k, cnt;
	uint32_t ch[2];
	int rv = -1;

	sz = calloc(p->nnodes, sizeof(*sz));
	ht = calloc(p->nnodes, sizeof(*ht));
	lv = calloc(p->nnodes, sizeof(*lv));
	if (sz == NULL || ht == NULL || lv == NULL)
		goto out;
	for (i = p->nnodes; i-- > 0;) {
		n = &p->nodes[i];
		sz[i] = 1;
		ht[i] = 0;
		c = maxlit = 0;
		w = 0; /* 1 + deepest child subtree, SAT for unbounded */
		if (n->has_lit) {
			for (j = 0; j <= n->lit_mask; j++) {
				k = p->slots[n->lit_off + j].child;
				if (k == PNONE)
					continue;
				sz[i] = sat_add(sz[i], sz[k]);
				maxlit = lv[k] > maxlit ? lv[k] : maxlit;
				w = sat_add(ht[k], 1) > w ? sat_add(ht[k], 1) : w;
			}
		}
		for (j = 0; j < n->nglob; j++) {
			k = p->gedges[n->glob_off + j].child;
			sz[i] = sat_add(sz[i], sz[k]);
			c = sat_add(c, lv[k]);
			w = sat_add(ht[k], 1) > w ? sat_add(ht[k], 1) : w;
		}
		cnt = 0;
		if (n->self_child != PNONE)
			ch[cnt++] = n->self_child;
		for (j = 0; j < cnt; j++) {
			k = ch[j];
			sz[i] = sat_add(sz[i], sz[k]);
			c = sat_add(c, lv[k]);
			w = sat_add(ht[k], 1) > w ? sat_add(ht[k], 1) : w;
		}
		c = sat_add(c, maxlit);
		ht[i] = w;
		if (n->ss_child != PNONE) {
			sz[i] = sat_add(sz[i], sz[n->ss_child]);
			ht[i] = SAT;
		}
		if (n->is_ss) {
			lv[i] = sat_add(1,
			    sat_mul(sat_add(w, 1), c) < sz[i] - 1 ? sat_mul(sat_add(w, 1), c) :
								    sz[i] - 1);
			ht[i] = SAT;
		} else
			lv[i] = sat_add(c > 1 ? c : 1, n->ss_child != PNONE ? lv[n->ss_child] : 0);
	}
	*out = (size_t)lv[0];
	rv = 0;
out:
	free(sz);
	free(ht);
	free(lv);
	return rv;
}

static int
set_terms(struct policy *p)
{
	struct prule *r;
	struct pterm *t;
	struct pnode *n;
	size_t i, b, nt = 0;

	for (i = 0; i < p->nrules; i++) {
		if (p->rules[i].node == PNONE)
			continue;
		n = &p->nodes[p->rules[i].node];
		if (n->term == PNONE)
			n->term = (uint32_t)nt++;
	}
	if ((p->terms = malloc((nt ? nt : 1) * sizeof(*p->terms))) == NULL)
		return -1;
	p->nterms = nt;
	memset(p->terms, 0xff, (nt ? nt : 1) * sizeof(*p->terms));
	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (r->node == PNONE)
			continue;
		t = &p->terms[p->nodes[r->node].term];
		for (b = 0; b < POLICY_NBITS; b++) {
			if (!(r->eff & (1u << b)))
				continue;
			/* Rules come in file order, so the first one set is the
			 * earliest. */
			if (r->allow && t->allow[b] == PNONE)
				t->allow[b] = (uint32_t)i;
			else if (!r->allow && t->deny[b] == PNONE)
				t->deny[b] = (uint32_t)i;
		}
	}
	return 0;
}

/*
 * Ancestors are visible.  mkdir -p, git, tar and realpath(3) stat every
 * folder on their way, so a worker allowed the tree below /srv/out must be
 * able to stat /srv and / as well, or it cannot reach what it is allowed.
 * Every folder from / down to the literal part of an allow rule's pattern
 * (the components before its first wildcard, the folder they name
 * included; for a pattern without wildcards the folders above the path) is
 * therefore allowed stat, by a synthetic rule named "@ancestor of
 * FILE:LINE" after the first allow rule in file order that passes through
 * it.  Stat only: the folder cannot be listed.  These rules end at nodes
 * the written rules made (their literal prefixes), so the trie does not
 * grow, and they come after every written rule, so that a written rule on
 * the same path names the decision; deny rules win over them as over any
 * allow.  0, or -1 (out of memory).
 */
static int
add_ancestors(struct policy *p)
{
	struct prule *r, *nv;
	uint32_t *anc, a;
	size_t i, j, k, depth, nsynth = 0, nwritten = p->nrules;
	int rv = -1;

	if ((anc = malloc((p->nnodes ? p->nnodes : 1) * sizeof(*anc))) == NULL)
		return -1;
	memset(anc, 0xff, (p->nnodes ? p->nnodes : 1) * sizeof(*anc));
	for (i = 0; i < nwritten; i++) {
		r = &p->rules[i];
		if (!r->allow || r->node == PNONE || r->synthetic || r->ncomp == 0)
			continue;
		/* k: the literal components before the first wildcard. */
		for (k = 0; k < r->ncomp; k++)
			if (r->comp[k].kind == PC_GLOB || r->comp[k].kind == PC_STARSTAR)
				break;
		/* Up from the rule's node to its deepest ancestor: the node
		 * after k components when a wildcard follows, after ncomp - 1
		 * when none does. */
		a = r->node;
		for (depth = r->ncomp; depth > (k < r->ncomp ? k : r->ncomp - 1); depth--)
			a = p->nodes[a].parent;
		/* A node marked before has every node above it marked. */
		for (; a != PNONE && anc[a] == PNONE; a = p->nodes[a].parent) {
			anc[a] = (uint32_t)i;
			nsynth++;
		}
	}
	if (nsynth == 0) {
		rv = 0;
		goto out;
	}
	if ((nv = realloc(p->rules, (nwritten + nsynth) * sizeof(*nv))) == NULL)
		goto out;
	p->rules = nv;
	for (j = 0; j < p->nnodes; j++) {
		if (anc[j] == PNONE)
			continue;
		r = &p->rules[p->nrules];
		memset(r, 0, sizeof(*r));
		r->allow = 1;
		r->bits = r->eff = POLICY_STAT;
		r->mode = POLICY_DEFAULT_CREATE_MODE;
		r->file = p->rules[anc[j]].file;
		r->line = p->rules[anc[j]].line;
		r->col = p->rules[anc[j]].col;
		r->profile = p->rules[anc[j]].profile;
		r->node = (uint32_t)j;
		r->synthetic = 1;
		if (asprintf(&r->where, "@ancestor of %s", p->rules[anc[j]].where) == -1)
			goto out;
		p->nrules++;
		p->nsynth++;
	}
	rv = 0;
out:
	free(anc);
	return rv;
}

static unsigned
lowbit(unsigned bits)
{
	return (unsigned)__builtin_ctz(bits);
}

/* Rules that can never decide anything: say so, they are likely mistakes. */
static void
warn_useless(struct pctx *c, struct policy *p)
{
	const struct prule *r, *o;
	const struct pterm *t, *dt;
	uint32_t a, s, other, dname;
	unsigned b, dbits, bits;
	size_t i;
	int dup, multi;

	for (i = 0; i < p->nrules && !c->stop; i++) {
		r = &p->rules[i];
		if (r->file[0] == '@' || r->synthetic)
			continue; /* built in: not the user's to fix */
		/* Each rule is warned about once: common rules in the top
		 * trie, a profile's rules in its view (next to the common
		 * rules that may shadow them). */
		if (r->node == PNONE || r->profile != p->view_profile)
			continue;
		if (r->allow && r->has_mode && !(r->bits & (POLICY_CREATE | POLICY_WRITE)))
			policy_ctx_diag(c, POLICY_WARNING, r->file, r->line, r->col,
			    "mode= has no effect: the rule allows neither create nor write");
		t = &p->terms[p->nodes[r->node].term];
		bits = r->eff;
		dup = 1;
		for (b = 0; b < POLICY_NBITS; b++) {
			if (!(bits & (1u << b)))
				continue;
			other = r->allow ? t->allow[b] : t->deny[b];
			if (other == (uint32_t)i)
				dup = 0;
		}
		if (dup) {
			other = r->allow ? t->allow[lowbit(bits)] : t->deny[lowbit(bits)];
			o = &p->rules[other];
			/* The same file included twice is not the user's typo. */
			if (strcmp(o->where, r->where) != 0)
				policy_ctx_diag(c, POLICY_WARNING, r->file, r->line, r->col,
				    o->eff == r->eff && o->mode == r->mode ?
					"duplicate of the rule at %s" :
					"redundant: earlier rules for the same pattern (first "
					"%s) already cover everything it gives",
				    o->where);
			continue;
		}
		if (!r->allow)
			continue;
		/* Denied by a rule with the same pattern, or by X followed by
		 * a "**" component, for a prefix X of this pattern (which
		 * covers X itself too). */
		dbits = 0;
		dname = PNONE;
		multi = 0;
		for (a = r->node;; a = p->nodes[a].parent) {
			s = p->nodes[a].ss_child;
			for (int k = 0; k < 2; k++) {
				uint32_t nd = k == 0 ? (a == r->node ? a : PNONE) : s;

				if (nd == PNONE || p->nodes[nd].term == PNONE)
					continue;
				dt = &p->terms[p->nodes[nd].term];
				for (b = 0; b < POLICY_NBITS; b++) {
					if (!(bits & (1u << b)) || dt->deny[b] == PNONE)
						continue;
					dbits |= 1u << b;
					if (dname != PNONE && dt->deny[b] != dname)
						multi = 1;
					if (dt->deny[b] < dname)
						dname = dt->deny[b];
				}
			}
			if (a == 0)
				break;
		}
		if ((bits & ~dbits) == 0)
			policy_ctx_diag(c, POLICY_WARNING, r->file, r->line, r->col,
			    "allow rule never takes effect: everything it allows is denied "
			    "(by %s%s)",
			    p->rules[dname].where, multi ? " and others" : "");
	}
}

int
policy_trie_compile(struct pctx *c, struct policy *p)
{
	struct build b;
	struct prule *r;
	uint32_t cur;
	size_t i, j;
	int rv = -1;

	memset(&b, 0, sizeof(b));
	if (node_new(&b, PNONE, 0, 1) == PNONE)
		goto nomem;
	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		/* At the top of a policy with profiles, a section's rules are
		 * left to the profile's own trie. */
		if (r->profile >= 0 && r->profile != p->view_profile) {
			r->node = PNONE;
			continue;
		}
		cur = 0;
		for (j = 0; j < r->ncomp; j++)
			if ((cur = edge_get(&b, cur, &r->comp[j])) == PNONE)
				goto nomem;
		r->node = cur;
	}
	if (freeze(&b, p) == -1)
		goto nomem;
	p->nodes = b.nodes;
	p->nnodes = b.nnodes;
	b.nodes = NULL;
	if (add_ancestors(p) == -1 || set_terms(p) == -1 || bound(p, &p->maxstates) == -1)
		goto nomem;
	if (p->maxstates > POLICY_STATES_MAX) {
		policy_ctx_diag(c, POLICY_ERROR, p->nrules ? p->rules[0].file : "policy", 0, 0,
		    "policy too complex%s%s: up to %zu patterns could be matching one path at "
		    "once (the limit is %d); use fewer patterns starting with or "
		    "containing '**'",
		    p->view_profile >= 0 ? " in the profile at " : "",
		    p->view_profile >= 0 ? p->view_where : "", p->maxstates, POLICY_STATES_MAX);
		goto out;
	}
	warn_useless(c, p);
	rv = 0;
	goto out;
nomem:
	c->nomem = 1;
out:
	free(b.nodes);
	free(b.edges);
	free(b.map);
	return rv;
}

/* ---- deciding ---- */

/*
 * Deduplication: a bitmap indexed by node id, exact for policies of up to
 * 16384 nodes; above that ids share bits and a set bit costs a linear check.
 * Each step clears only the words its states set, so the whole map is
 * zeroed once per decision.
 */
#define SEEN_WORDS 256
static inline int
set_add(struct policy_states *s, uint64_t *seen, uint32_t x)
{
	uint64_t bit = (uint64_t)1 << (x & 63);
	size_t w = (x >> 6) & (SEEN_WORDS - 1), i;

	if (seen[w] & bit) {
		for (i = 0; i < s->n; i++)
			if (s->v[i] == x)
				return 0;
	}
	if (s->n >= POLICY_STATES_MAX)
		return -1;
	seen[w] |= bit;
	s->v[s->n++] = x;
	return 0;
}

/* Add x and what it reaches without consuming a component ("**"). */
static inline int
enter(const struct policy *p, struct policy_states *s, uint64_t *seen, uint32_t x)
{
	if (set_add(s, seen, x) == -1)
		return -1;
	if (p->nodes[x].ss_child != PNONE)
		return set_add(s, seen, p->nodes[x].ss_child);
	return 0;
}

static inline void
set_clear_seen(const struct policy_states *s, uint64_t *seen)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		seen[(s->v[i] >> 6) & (SEEN_WORDS - 1)] = 0;
}

/* ASCII case-insensitive equality of n bytes. */
static inline int
same_fold(const char *a, const char *b, size_t n)
{
	size_t i;
	unsigned char x, y;

	for (i = 0; i < n; i++) {
		x = (unsigned char)a[i];
		y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

/* One component: from the states in cur into next.  With fold, literal
 * and wildcard edges match the component in any ASCII case. */
static int
step(const struct policy *p, const struct policy_states *cur, struct policy_states *next,
    uint64_t *seen, const char *comp, size_t len, const char *self, size_t selflen, int fold)
{
	const struct pnode *n;
	const struct pslot *sl;
	const struct pgedge *g;
	uint32_t h = 0, j;
	size_t i, k;
	int hashed = 0;

	next->n = 0;
	for (i = 0; i < cur->n; i++) {
		n = &p->nodes[cur->v[i]];
		if (n->is_ss && set_add(next, seen, cur->v[i]) == -1)
			return -1;
		if (n->has_lit && fold) {
			/* Every literal child: the hash is of one spelling. */
			for (j = 0; j <= n->lit_mask; j++) {
				sl = &p->slots[n->lit_off + j];
				if (sl->child != PNONE && p->nodes[sl->child].name_len == len &&
				    same_fold(p->pool + p->nodes[sl->child].name_off, comp, len) &&
				    enter(p, next, seen, sl->child) == -1)
					return -1;
			}
		} else if (n->has_lit) {
			if (!hashed) {
				h = comp_hash(comp, len);
				hashed = 1;
			}
			for (j = h & n->lit_mask;; j = (j + 1) & n->lit_mask) {
				sl = &p->slots[n->lit_off + j];
				if (sl->child == PNONE)
					break;
				if (sl->hash == h && p->nodes[sl->child].name_len == len &&
				    memcmp(p->pool + p->nodes[sl->child].name_off, comp, len) ==
					0) {
					if (enter(p, next, seen, sl->child) == -1)
						return -1;
					break;
				}
			}
		}
		for (k = 0; k < n->nglob; k++) {
			g = &p->gedges[n->glob_off + k];
			if ((g->star ||
				(fold ? policy_glob_match_fold(p->pool + g->off, g->len, comp,
					    len) :
					policy_glob_match(p->pool + g->off, g->len, comp, len))) &&
			    enter(p, next, seen, g->child) == -1)
				return -1;
		}
		if (n->self_child != PNONE && selflen == len && memcmp(self, comp, len) == 0 &&
		    enter(p, next, seen, n->self_child) == -1)
			return -1;
	}
	return 0;
}

int
policy_path_check(const char *path)
{
	const char *s;

	if (path == NULL || path[0] != '/')
		return -1;
	if (path[1] == '\0')
		return 0;
	for (s = path; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		/* s is at a '/': what follows must be a real name. */
		if (s[1] == '/' || s[1] == '\0')
			return -1;
		if (s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
			return -1;
		if (s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == '\0'))
			return -1;
	}
	return 0;
}

/*
 * The live nodes after the components of path, into *cur (one of a or b).
 * 0, -1 with errno EINVAL for a path that is not canonical (checked to the
 * end even once no node is live, so a bad path is refused whatever the
 * policy), E2BIG when the set overflows (cannot happen for a loaded policy).
 */
static inline int
walk_states(const struct policy *p, const char *path, pid_t self_pid, const uint64_t *fold,
    size_t nfold, struct policy_states *a, struct policy_states *b, struct policy_states **cur)
{
	struct policy_states *next = b, *tmp;
	uint64_t seen[SEEN_WORDS];
	const char *s, *e;
	char self[24];
	size_t selflen = 0, len, i = 0;
	int ci;

	if (path == NULL || path[0] != '/')
		goto einval;
	if (self_pid > 0) {
		/* Digits backwards, then moved to the front: no snprintf here. */
		char tmpb[24];
		long v = (long)self_pid;
		size_t m = 0;

		while (v > 0 && m < sizeof(tmpb)) {
			tmpb[m++] = (char)('0' + v % 10);
			v /= 10;
		}
		while (m > 0)
			self[selflen++] = tmpb[--m];
	}
	*cur = a;
	memset(seen, 0, sizeof(seen));
	(*cur)->n = 0;
	if (enter(p, *cur, seen, 0) == -1)
		goto overflow;
	set_clear_seen(*cur, seen);
	for (s = path + 1; *s != '\0';) {
		for (e = s; *e != '\0' && *e != '/'; e++)
			;
		len = (size_t)(e - s);
		if (len == 0 || (s[0] == '.' && (len == 1 || (len == 2 && s[1] == '.'))) ||
		    (e[0] == '/' && e[1] == '\0'))
			goto einval;
		ci = fold != NULL && i / 64 < nfold && (fold[i / 64] >> (i % 64) & 1);
		i++;
		if ((*cur)->n > 0) {
			if (step(p, *cur, next, seen, s, len, self, selflen, ci) == -1)
				goto overflow;
			set_clear_seen(next, seen);
			tmp = *cur;
			*cur = next;
			next = tmp;
		}
		s = *e != '\0' ? e + 1 : e;
	}
	return 0;
einval:
	errno = EINVAL;
	return -1;
overflow:
	errno = E2BIG;
	return -1;
}

int
policy_trie_walk(const struct policy *p, const char *path, pid_t self_pid, const uint64_t *fold,
    size_t nfold, struct policy_states *a, struct policy_states *b, struct policy_states **out)
{
	return walk_states(p, path, self_pid, fold, nfold, a, b, out);
}

/*
 * The decision, from the live nodes after the path: the allow rules of
 * those in al, the deny rules of those in dn (the same set, but for a
 * path with folding components: policy_decide_fold()).
 */
static int
decide_from(const struct policy *p, const struct policy_states *al, const struct policy_states *dn,
    unsigned access, struct policy_decision *d)
{
	uint32_t allow[POLICY_NBITS], deny[POLICY_NBITS], r;
	unsigned exact = 0, bit;
	const struct pterm *t;
	const struct pnode *n;
	size_t i;
	int k;

	for (k = 0; k < POLICY_NBITS; k++)
		allow[k] = deny[k] = PNONE;
	for (i = 0; i < al->n; i++) {
		n = &p->nodes[al->v[i]];
		if (n->term == PNONE)
			continue;
		t = &p->terms[n->term];
		for (k = 0; k < POLICY_NBITS; k++) {
			if (!(access & (1u << k)))
				continue;
			if (t->allow[k] < allow[k])
				allow[k] = t->allow[k];
			if (al == dn && t->deny[k] < deny[k])
				deny[k] = t->deny[k];
			if (t->allow[k] != PNONE && n->exact)
				exact |= 1u << k;
		}
	}
	for (i = 0; al != dn && i < dn->n; i++) {
		n = &p->nodes[dn->v[i]];
		if (n->term == PNONE)
			continue;
		t = &p->terms[n->term];
		for (k = 0; k < POLICY_NBITS; k++)
			if ((access & (1u << k)) && t->deny[k] < deny[k])
				deny[k] = t->deny[k];
	}
	/* Deny wins, whatever the order: any bit with a deny rule decides. */
	for (k = 0; k < POLICY_NBITS; k++) {
		if ((access & (1u << k)) && deny[k] != PNONE) {
			d->rule = p->rules[deny[k]].where;
			return 0;
		}
	}
	for (k = 0; k < POLICY_NBITS; k++)
		if ((access & (1u << k)) && allow[k] == PNONE)
			return 0; /* default */
	bit = lowbit(access);
	r = allow[bit];
	d->allowed = 1;
	d->rule = p->rules[r].where;
	d->create_mode = (access & POLICY_CREATE) ? p->rules[allow[lowbit(POLICY_CREATE)]].mode :
						    p->rules[r].mode;
	d->exact = (exact & access) == access;
	return 0;
}

/* The checks both entry points make; 0, or -1 with EINVAL. */
static int
decide_args(const struct policy *p, unsigned access, struct policy_decision *d)
{
	if (d != NULL) {
		d->allowed = 0;
		d->rule = "default";
		d->create_mode = 0;
		d->exact = 0;
	}
	if (p == NULL || d == NULL || access == 0 || (access & ~POLICY_ALL) != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
policy_decide(const struct policy *p, const char *path, unsigned access, pid_t self_pid,
    struct policy_decision *d)
{
	struct policy_states a, b, *cur;

	/* A path that is not canonical is EINVAL, and the (impossible)
	 * overflow E2BIG: refuse rather than guess. */
	if (decide_args(p, access, d) == -1 ||
	    walk_states(p, path, self_pid, NULL, 0, &a, &b, &cur) == -1)
		return -1;
	return decide_from(p, cur, cur, access, d);
}

int
policy_decide_fold(const struct policy *p, const char *path, unsigned access, pid_t self_pid,
    const uint64_t *fold, size_t nfold, struct policy_decision *d)
{
	struct policy_states a, b, c, e, *exact, *folded;
	size_t i;

	for (i = 0; fold != NULL && i < nfold && fold[i] == 0; i++)
		;
	if (fold == NULL || i == nfold)
		return policy_decide(p, path, access, self_pid, d);
	/* Allow rules on the name as written; deny rules on any spelling of
	 * the folding components. */
	if (decide_args(p, access, d) == -1 ||
	    walk_states(p, path, self_pid, NULL, 0, &a, &b, &exact) == -1 ||
	    walk_states(p, path, self_pid, fold, nfold, &c, &e, &folded) == -1)
		return -1;
	return decide_from(p, exact, folded, access, d);
}

/* ---- deciding for a whole subtree ---- */

/* Mark x and what it reaches without consuming a component. */
static void
mark_enter(const struct policy *p, uint8_t *seen, uint32_t *stack, size_t *n, uint32_t x)
{
	uint32_t ss;

	if (!(seen[x >> 3] & (1u << (x & 7)))) {
		seen[x >> 3] |= (uint8_t)(1u << (x & 7));
		stack[(*n)++] = x;
	}
	ss = p->nodes[x].ss_child;
	if (ss != PNONE && !(seen[ss >> 3] & (1u << (ss & 7)))) {
		seen[ss >> 3] |= (uint8_t)(1u << (ss & 7));
		stack[(*n)++] = ss;
	}
}

/* Push every node x can step to on some component (itself for "**"). */
static void
mark_steps(const struct policy *p, uint8_t *seen, uint32_t *stack, size_t *n, uint32_t x)
{
	const struct pnode *nd = &p->nodes[x];
	uint32_t j;

	if (nd->is_ss)
		mark_enter(p, seen, stack, n, x);
	if (nd->has_lit)
		for (j = 0; j <= nd->lit_mask; j++)
			if (p->slots[nd->lit_off + j].child != PNONE)
				mark_enter(p, seen, stack, n, p->slots[nd->lit_off + j].child);
	for (j = 0; j < nd->nglob; j++)
		mark_enter(p, seen, stack, n, p->gedges[nd->glob_off + j].child);
	if (nd->self_child != PNONE)
		mark_enter(p, seen, stack, n, nd->self_child);
}

int
policy_decide_beneath(const struct policy *p, const char *dir, unsigned access, pid_t self_pid,
    enum policy_beneath *out)
{
	struct policy_states a, b, *cur;
	uint8_t *seen = NULL;
	uint32_t *stack = NULL;
	unsigned allowed = 0, denied = 0, covered = 0;
	const struct pterm *t;
	const struct pnode *nd;
	size_t i, n = 0;
	int k, rv = -1;

	if (p == NULL || out == NULL || access == 0 || (access & ~POLICY_ALL) != 0 ||
	    policy_path_check(dir) == -1) {
		errno = EINVAL;
		return -1;
	}
	seen = calloc(p->nnodes / 8 + 1, 1);
	stack = malloc((p->nnodes ? p->nnodes : 1) * sizeof(*stack));
	if (seen == NULL || stack == NULL)
		goto out;
	/* The live states once dir itself has been walked, as in
	 * policy_decide(). */
	if (walk_states(p, dir, self_pid, NULL, 0, &a, &b, &cur) == -1)
		goto out;
	/* A "**" node live now stays live for every path beneath dir: its
	 * allow rules cover them all. */
	for (i = 0; i < cur->n; i++) {
		nd = &p->nodes[cur->v[i]];
		if (!nd->is_ss || nd->term == PNONE)
			continue;
		t = &p->terms[nd->term];
		for (k = 0; k < POLICY_NBITS; k++)
			if ((access & (1u << k)) && t->allow[k] != PNONE)
				covered |= 1u << k;
	}
	/* Every node a path beneath dir can end on: one step or more from
	 * the live states, over every edge whatever its name (a superset). */
	for (i = 0; i < cur->n; i++)
		mark_steps(p, seen, stack, &n, cur->v[i]);
	/* The stack holds each node once; walk it as a work list. */
	for (i = 0; i < n; i++) {
		mark_steps(p, seen, stack, &n, stack[i]);
		nd = &p->nodes[stack[i]];
		if (nd->term == PNONE)
			continue;
		t = &p->terms[nd->term];
		for (k = 0; k < POLICY_NBITS; k++) {
			if (!(access & (1u << k)))
				continue;
			if (t->allow[k] != PNONE)
				allowed |= 1u << k;
			if (t->deny[k] != PNONE)
				denied |= 1u << k;
		}
	}
	if ((allowed & access) != access)
		*out = POLICY_BENEATH_NONE;
	else if ((covered & access) == access && (denied & access) == 0)
		*out = POLICY_BENEATH_ALL;
	else
		*out = POLICY_BENEATH_SOME;
	rv = 0;
out:
	free(seen);
	free(stack);
	return rv;
}
