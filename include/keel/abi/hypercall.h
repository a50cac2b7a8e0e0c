/*
 * keel's guest ABI: SMCCC function identifiers and return codes.
 * Shared by keel and by guests (no keel-internal includes). Documented in docs/hypercalls.md.
 *
 * Every call is an SMCCC fast call, issued with HVC #0 (or SMC #0, which keel traps and
 * answers identically). Function id in w0, arguments in x1..x6, results in x0..x3.
 */
#ifndef KEEL_ABI_HYPERCALL_H
#define KEEL_ABI_HYPERCALL_H

/* SMCCC return codes (Arm DEN0028). */
#define SMCCC_SUCCESS            0
#define SMCCC_NOT_SUPPORTED      (-1)
#define SMCCC_NOT_REQUIRED       (-2)
#define SMCCC_INVALID_PARAMETER  (-3)

/* Arm architecture calls (OEN 0). */
#define SMCCC_VERSION            0x80000000u
#define SMCCC_ARCH_FEATURES      0x80000001u
#define SMCCC_ARCH_SOC_ID        0x80000002u
#define SMCCC_ARCH_WORKAROUND_1  0x80008000u
#define SMCCC_ARCH_WORKAROUND_2  0x80007fffu
#define SMCCC_ARCH_WORKAROUND_3  0x80003fffu
#define SMCCC_VERSION_1_1        0x10001
#define SMCCC_ARCH_WORKAROUND_UNAFFECTED 1  /* ARCH_FEATURES: this PE does not need it */

/* PSCI (OEN 4, Arm DEN0022). 0xC4.. ids are the SMC64 forms. */
#define PSCI_VERSION             0x84000000u
#define PSCI_CPU_SUSPEND         0xc4000001u
#define PSCI_CPU_OFF             0x84000002u
#define PSCI_CPU_ON              0xc4000003u
#define PSCI_AFFINITY_INFO       0xc4000004u
#define PSCI_MIGRATE_INFO_TYPE   0x84000006u
#define PSCI_SYSTEM_OFF          0x84000008u
#define PSCI_SYSTEM_RESET        0x84000009u
#define PSCI_FEATURES            0x8400000au
#define PSCI_VERSION_1_1         0x10001

#define PSCI_SUCCESS             0
#define PSCI_NOT_SUPPORTED       (-1)
#define PSCI_INVALID_PARAMETERS  (-2)
#define PSCI_DENIED              (-3)
#define PSCI_ALREADY_ON          (-4)
#define PSCI_ON_PENDING          (-5)
#define PSCI_INTERNAL_FAILURE    (-6)
#define PSCI_NOT_PRESENT         (-7)
#define PSCI_DISABLED            (-8)
#define PSCI_INVALID_ADDRESS     (-9)

/* keel calls: Vendor Specific Hypervisor Service range (OEN 6). */
#define KEEL_HC_VERSION          0x86000000u /* -> x0 = (major << 16) | minor */
#define KEEL_HC_VM_INFO          0x86000001u /* -> x0 = VM id, x1 = this vCPU's index, x2 = vCPU count */
#define KEEL_HC_CONSOLE_WRITE    0xc6000002u /* x1 = IPA of bytes, x2 = length -> x0 = bytes written */
#define KEEL_HC_YIELD            0x86000003u /* -> x0 = 0 */
#define KEEL_HC_DOORBELL         0x86000004u /* x1 = peer index k (lines 2k, 2k+1) -> x0 = 0 or INVALID_PARAMETER */
#define KEEL_HC_CALL_COUNT       0x8600ff00u /* -> x0 = number of keel calls */
#define KEEL_HC_CALL_UID         0x8600ff01u /* -> x0..x3 = keel's UID */
#define KEEL_HC_REVISION         0x8600ff03u /* -> x0 = major, x1 = minor */

#define KEEL_VERSION_MAJOR       0
#define KEEL_VERSION_MINOR       1
#define KEEL_CONSOLE_WRITE_MAX   1024 /* longest buffer one CONSOLE_WRITE accepts */

/* keel's UID, as SMCCC returns it: four 32-bit words. */
#define KEEL_UID_0               0x6b65656cu /* "keel" */
#define KEEL_UID_1               0x2d687970u /* "-hyp" */
#define KEEL_UID_2               0x2d763031u /* "-v01" */
#define KEEL_UID_3               0x2d2d2d2du /* "----" */

#endif
