/*
 * Shared memory regions and doorbells of the VM, from its device tree (guest/shm.h).
 */
#include "guest/guest.h"
#include "guest/gic.h"
#include "guest/shm.h"
#include "guest/timer.h"

#define VM_MODEL_PREFIX "keel VM "
#define LINE_NAMES_MAX  8
#define CNTV_CTL_ENABLE (1u << 0)

static uint64_t db_base;
static unsigned db_nr_lines;
static const char *db_line[LINE_NAMES_MAX];
static volatile uint32_t db_rung;	/* PL061 input lines that latched an edge */
static volatile uint64_t db_count;
static unsigned db_timer_intid;		/* the virtual timer: doorbell_wait's time limit */

const char *shm_vm_name(void)
{
	const char *n = env.vm_name;

	return dt_strprefix(n, VM_MODEL_PREFIX) ? n + sizeof(VM_MODEL_PREFIX) - 1 : n;
}

/* Split a string list property into out[], at most max entries; returns how many. */
static unsigned dt_strings(const char *p, uint32_t len, const char **out, unsigned max)
{
	unsigned n = 0;
	uint32_t at = 0;

	while (at < len && n < max) {
		out[n++] = p + at;
		while (at < len && p[at])
			at++;
		at++;
	}
	return n;
}

/* The /reserved-memory child whose phandle is ph. */
static int reserved_by_phandle(uint32_t ph)
{
	int rm = dt_path("/reserved-memory");

	for (int n = rm >= 0 ? dt_first_child(rm) : -1; n >= 0; n = dt_next_sibling(n)) {
		uint32_t len;
		const void *p = dt_prop(n, "phandle", &len);

		if (p && len == 4 && dt_be32(p) == ph)
			return n;
	}
	return -1;
}

bool shm_find(const char *name, struct shm_region *r)
{
	for (int n = dt_first_child(dt_root()); n >= 0; n = dt_next_sibling(n)) {
		uint32_t len, ulen;
		const char *compat = dt_prop(n, "compatible", &len);
		const char *rname = dt_prop(n, "keel,name", NULL);
		const void *ph = dt_prop(n, "memory-region", &len);
		const char *users = dt_prop(n, "keel,users", &ulen);
		int res;

		if (!compat || !dt_streq(compat, "keel,shared-memory") || !rname ||
		    !dt_streq(rname, name) || !ph || len != 4)
			continue;
		res = reserved_by_phandle(dt_be32(ph));
		if (res < 0 || !dt_reg(res, 0, &r->base, &r->size))
			return false;
		r->ro = dt_prop(n, "read-only", NULL) != NULL;
		r->nr_users = users ? dt_strings(users, ulen, r->users, SHM_MAX_USERS) : 0;
		r->side = -1;
		for (unsigned i = 0; i < r->nr_users; i++)
			if (dt_streq(r->users[i], shm_vm_name()))
				r->side = (int)i;
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------- doorbells */

static void pl061_write(unsigned reg, uint32_t v)
{
	mmio_write32(db_base + reg, v);
}

static uint32_t pl061_read(unsigned reg)
{
	return mmio_read32(db_base + reg);
}

static void doorbell_handler(uint32_t intid)
{
	if (!doorbell_irq(intid) && db_timer_intid && intid == db_timer_intid)
		write_sysreg(cntv_ctl_el0, 0);	/* the wait's time is up: it sees the counter */
}

bool doorbell_irq(uint32_t intid)
{
	uint32_t mis;

	if (intid != DOORBELL_INTID || !db_base)
		return false;
	mis = pl061_read(PL061_MIS);
	pl061_write(PL061_IC, mis);
	db_rung |= mis;
	db_count += (uint64_t)__builtin_popcount(mis);
	return true;
}

bool doorbell_init(void)
{
	int n = dt_find_compatible("arm,pl061");
	uint32_t len, ring = 0, from = 0;
	const char *names;
	uint64_t size;

	if (n < 0 || !dt_reg(n, 0, &db_base, &size))
		return false;
	names = dt_prop(n, "gpio-line-names", &len);
	db_nr_lines = names ? dt_strings(names, len, db_line, LINE_NAMES_MAX) : 0;
	for (unsigned i = 0; i < db_nr_lines; i++) {
		if (dt_strprefix(db_line[i], "ring-"))
			ring |= 1u << i;
		else if (dt_strprefix(db_line[i], "from-"))
			from |= 1u << i;
	}
	pl061_write(PL061_IE, 0);
	pl061_write(PL061_DATA_ALL, 0);
	pl061_write(PL061_DIR, ring);
	pl061_write(PL061_IS, 0);		/* edges */
	pl061_write(PL061_IBE, 0);
	pl061_write(PL061_IEV, from);		/* rising */
	pl061_write(PL061_IC, 0xff);
	pl061_write(PL061_IE, from);
	irq_set_handler(doorbell_handler);
	gic_irq_set_edge(DOORBELL_INTID, false);	/* the PL061's GPIOINTR is a level */
	gic_irq_enable(DOORBELL_INTID);
	if (timer_dt_virt_intid(&db_timer_intid))
		gic_irq_enable(db_timer_intid);
	irq_enable();
	return true;
}

int doorbell_peer(const char *name)
{
	for (unsigned i = 0; i + 1 < db_nr_lines; i += 2)
		if (dt_strprefix(db_line[i], "ring-") && dt_streq(db_line[i] + 5, name))
			return (int)(i / 2);
	return -1;
}

void doorbell_ring(unsigned k)
{
	/* GPIODATA: address bits [9:2] select the lines a write changes. */
	uint64_t data = (uint64_t)(1u << (2 * k)) << 2;

	pl061_write((unsigned)data, 0xff);
	pl061_write((unsigned)data, 0);
}

int64_t doorbell_ring_hvc(uint64_t peer)
{
	return (int64_t)hvc_call(KEEL_HC_DOORBELL, peer, 0, 0, 0, 0, 0).a0;
}

uint32_t doorbell_wait(uint64_t timeout_us)
{
	uint64_t deadline = timer_count() + timeout_us * (timer_freq() / 1000000);
	uint32_t got, peers = 0;
	bool ok;

	if (!db_rung) {
		/* The virtual timer ends the WFI at the deadline if no ring does. */
		if (db_timer_intid) {
			write_sysreg(cntv_cval_el0, deadline);
			write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
		}
		(void)irq_wait_flag(&db_rung, deadline, &ok);
	}
	irq_disable();
	write_sysreg(cntv_ctl_el0, 0);
	got = db_rung;
	db_rung = 0;
	irq_enable();
	for (unsigned k = 0; k < DOORBELL_MAX_PEERS; k++)
		if (got & (1u << (2 * k + 1)))
			peers |= 1u << k;
	return peers;
}

uint64_t doorbell_count(void)
{
	return db_count;
}
