/* The pure part of the stack guard's seeding: see include/keel/stack_guard.h. */
#include <keel/stack_guard.h>

enum stack_guard_source stack_guard_source = STACK_GUARD_CONSTANT;

uint64_t stack_guard_mix(uint64_t acc, uint64_t v)
{
	/* splitmix64's finalizer over acc combined with v. */
	uint64_t z = acc ^ (v + 0x9e3779b97f4a7c15ULL + (acc << 6) + (acc >> 2));

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t stack_guard_from_seed(uint64_t seed)
{
	return seed & ~STACK_GUARD_TERMINATOR_MASK;
}

const char *stack_guard_describe(enum stack_guard_source source)
{
	switch (source) {
	case STACK_GUARD_RNDR:
		return "random (RNDR)";
	case STACK_GUARD_WEAK_NO_RNG:
		return "weak: physical counter and boot device tree (no FEAT_RNG)";
	case STACK_GUARD_WEAK_RNDR_FAILED:
		return "weak: physical counter and boot device tree (RNDR failed)";
	default:
		return "constant (not seeded)";
	}
}
