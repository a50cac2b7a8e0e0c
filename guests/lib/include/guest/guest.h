/*
 * Everything a test guest needs: include this one header.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <keel/abi/hypercall.h>
#include "guest/check.h"
#include "guest/console.h"
#include "guest/dt.h"
#include "guest/fault.h"
#include "guest/layout.h"
#include "guest/mmu.h"
#include "guest/runtime.h"
#include "guest/smccc.h"
#include "guest/sysreg.h"

static inline uint32_t mmio_read32(uint64_t addr)
{
	uint32_t v;
	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" :: "rZ"(v), "r"(addr) : "memory");
}

#endif
