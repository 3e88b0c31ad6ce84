// SPDX-License-Identifier: GPL-2.0-only
/*
 * gmem-bench: what in-place conversion of guest_memfd costs, and what it
 * saves, measured inside the patched kernel (make bench).
 *
 * It runs the parts the booted kernel offers:
 *  - with in-place conversion (KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES):
 *    P1 in place, P2 conversion cost vs size and fragmentation, P3 host
 *    first-touch faults, P4 guest fault-in, P5 state bytes per range,
 *    P6 guest fault-in under a NUMA policy set with mbind(), P7 huge
 *    folios (kvm.gmem_huge) against 4 KiB ones and anonymous THP;
 *  - with VM-level private attributes (kvm.gmem_in_place_conversion=0):
 *    P1 the copy path 6.12 offers, P3 again (to compare the two boots),
 *    P4 for guest_memfd as 6.12 uses it, P5 for the VM-level xarray.
 *
 * Every measurement is repeated (-r, default 5) and printed as one line
 * "RESULT <name> <unit> <value per repetition...>" for scripts/bench.sh,
 * which pairs the two boots' numbers into ratios, plus a readable summary.
 * Under TCG absolute times are emulation times: compare ratios only.
 *
 * Built against the KVM selftests library (guest code, page tables,
 * ucalls) of the kernel tree; see scripts/bench.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/mempolicy.h>
#include <linux/sizes.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

#define PG		4096UL
#define PRIVATE		KVM_MEMORY_ATTRIBUTE_PRIVATE
#define SHARED		0
#define MAX_REPS	50

/* Guest physical (= guest virtual) layout of the benchmark VMs. */
#define GPA_A		(1UL << 32)	/* 4 GiB: the data, or the shared buffer */
#define GPA_B		(GPA_A + SZ_1G)	/* the private destination of the copy */
#define SLOT_A		10
#define SLOT_B		11

static int reps = 5;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One measurement: a value per repetition, for the host, and a summary. */
static void result(const char *name, const char *unit, const double *v, int n)
{
	double s[MAX_REPS];
	int i;

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	printf("RESULT %s %s", name, unit);
	for (i = 0; i < n; i++)
		printf(" %.6g", v[i]);
	printf("\n");
	printf("  %-44s %12.4g %-8s (min %.4g, max %.4g)\n", name,
	       n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2, unit,
	       s[0], s[n - 1]);
	fflush(stdout);
}

static void progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("... ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

static const char *size_str(uint64_t size)
{
	static char buf[4][16];
	static int i;

	i = (i + 1) % 4;
	if (size >= SZ_1G)
		snprintf(buf[i], sizeof(buf[i]), "%luG", size / SZ_1G);
	else if (size >= SZ_1M)
		snprintf(buf[i], sizeof(buf[i]), "%luM", size / SZ_1M);
	else
		snprintf(buf[i], sizeof(buf[i]), "%luK", size / SZ_1K);
	return buf[i];
}

static void convert(int fd, uint64_t offset, uint64_t size, uint64_t attrs)
{
	uint64_t error_offset = 0;
	int r;

	r = __gmem_set_memory_attributes(fd, offset, size, attrs, &error_offset);
	TEST_ASSERT(!r, "converting [%#lx, +%#lx) to %s: %s (error_offset %#lx)",
		    offset, size, attrs ? "private" : "shared", strerror(errno),
		    error_offset);
}

/* Time one conversion. */
static uint64_t timed_convert(int fd, uint64_t offset, uint64_t size,
			      uint64_t attrs)
{
	uint64_t t = now_ns();

	convert(fd, offset, size, attrs);
	return now_ns() - t;
}

static void populate(void *mem, uint64_t size)
{
	TEST_ASSERT(!madvise(mem, size, MADV_POPULATE_WRITE),
		    "MADV_POPULATE_WRITE: %s", strerror(errno));
}

static void punch(int fd, uint64_t offset, uint64_t size)
{
	TEST_ASSERT(!fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       offset, size),
		    "punching a hole: %s", strerror(errno));
}

static void *map_shared(int fd, uint64_t size)
{
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	TEST_ASSERT(mem != MAP_FAILED, "mmap: %s", strerror(errno));
	return mem;
}

/* Every page starts with its own index, so lost or moved data shows. */
static void fill(uint8_t *mem, uint64_t size, uint64_t salt)
{
	uint64_t i;

	for (i = 0; i < size / PG; i++)
		*(uint64_t *)(mem + i * PG) = i ^ salt;
}

static void verify(const uint8_t *mem, uint64_t size, uint64_t salt)
{
	uint64_t i;

	for (i = 0; i < size / PG; i++)
		TEST_ASSERT(*(uint64_t *)(mem + i * PG) == (i ^ salt),
			    "page %lu lost its contents", i);
}

/* The guest: one operation per run, parameters in these globals. */
enum { OP_READ, OP_WRITE, OP_COPY };
static uint64_t g_op, g_src, g_dst, g_len;

static void guest_code(void)
{
	for (;;) {
		uint64_t src = READ_ONCE(g_src), dst = READ_ONCE(g_dst);
		uint64_t len = READ_ONCE(g_len), p, n = len / 8;

		switch (READ_ONCE(g_op)) {
		case OP_READ:
			for (p = dst; p < dst + len; p += PG)
				(void)READ_ONCE(*(uint64_t *)p);
			break;
		case OP_WRITE:
			for (p = dst; p < dst + len; p += PG)
				WRITE_ONCE(*(uint64_t *)p, p);
			break;
		case OP_COPY:
			asm volatile("rep movsq"
				     : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
			break;
		}
		GUEST_SYNC(0);
	}
}

/* Run one guest operation; returns how long the vCPU took. */
static uint64_t guest_run(struct kvm_vcpu *vcpu, uint64_t op, uint64_t src,
			  uint64_t dst, uint64_t len)
{
	struct kvm_vm *vm = vcpu->vm;
	struct ucall uc;
	uint64_t t;

	g_op = op;
	g_src = src;
	g_dst = dst;
	g_len = len;
	sync_global_to_guest(vm, g_op);
	sync_global_to_guest(vm, g_src);
	sync_global_to_guest(vm, g_dst);
	sync_global_to_guest(vm, g_len);

	t = now_ns();
	vcpu_run(vcpu);
	t = now_ns() - t;
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
	default:
		TEST_FAIL("guest: unexpected exit %s",
			  exit_reason_str(vcpu->run->exit_reason));
	}
	return t;
}

/* A VM with one vCPU and room for page tables mapping @mapped bytes. */
static struct kvm_vm *create_vm(unsigned long type, uint64_t mapped,
				struct kvm_vcpu **vcpu)
{
	const struct vm_shape shape = { .mode = VM_MODE_DEFAULT, .type = type };

	return __vm_create_shape_with_one_vcpu(shape, vcpu,
					       mapped / PG / 256 + 64,
					       guest_code);
}

static bool have_type(unsigned long type)
{
	return kvm_check_cap(KVM_CAP_VM_TYPES) & BIT(type);
}

/* What the booted kernel offers for software-protected VMs. */
static bool sw_has_inplace(void)
{
	return kvm_check_cap(KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES) & PRIVATE;
}

static bool sw_has_vm_attributes(void)
{
	struct kvm_vm *vm = vm_create_barebones_type(KVM_X86_SW_PROTECTED_VM);
	bool r = vm_check_cap(vm, KVM_CAP_MEMORY_ATTRIBUTES) & PRIVATE;

	kvm_vm_free(vm);
	return r;
}

/* Sizes of P1/P2: 4 KiB, 16 KiB, ... (powers of 4). */
static uint64_t next_size(uint64_t size)
{
	return size * 4;
}

/* Repeat small operations so one sample is not a handful of microseconds. */
static int inner_loops(uint64_t size)
{
	return size >= SZ_4M ? 1 : size >= SZ_256K ? 4 : 16;
}

/*
 * P1, in place: the data sits in a guest_memfd the host has mapped and the
 * guest has faulted in; converting it is one ioctl each way.  Also timed:
 * re-faulting everything afterwards (guest after ->private, host after
 * ->shared), which the copy path gets for free with its copies.
 */
static void p1_inplace(uint64_t max)
{
	double to_priv[MAX_REPS], to_shared[MAX_REPS], round[MAX_REPS];
	double refault[MAX_REPS];
	struct kvm_vcpu *vcpu;
	uint64_t size, t_gst, t_host;
	char name[64];
	struct kvm_vm *vm;
	uint8_t *mem;
	int fd, r, i, n;

	vm = create_vm(KVM_X86_SW_PROTECTED_VM, max, &vcpu);
	fd = vm_create_guest_memfd(vm, max, GUEST_MEMFD_FLAG_MMAP |
				   GUEST_MEMFD_FLAG_INIT_SHARED);
	mem = map_shared(fd, max);
	vm_set_user_memory_region2(vm, SLOT_A, KVM_MEM_GUEST_MEMFD, GPA_A, max,
				   NULL, fd, 0);
	virt_map(vm, GPA_A, GPA_A, max / PG);

	for (size = PG; size <= max; size = next_size(size)) {
		n = inner_loops(size);
		progress("P1 in place: %s shared -> private -> shared, %d x %d",
			 size_str(size), reps, n);
		fill(mem, size, size);
		for (r = 0; r < reps; r++) {
			uint64_t tp = 0, ts = 0;

			t_gst = t_host = 0;
			for (i = 0; i < n; i++) {
				populate(mem, size);
				tp += timed_convert(fd, 0, size, PRIVATE);
				t_gst += guest_run(vcpu, OP_READ, 0, GPA_A, size);
				ts += timed_convert(fd, 0, size, SHARED);
				t_host -= now_ns();
				populate(mem, size);
				t_host += now_ns();
			}
			verify(mem, size, size);
			to_priv[r] = tp / 1e3 / n;
			to_shared[r] = ts / 1e3 / n;
			round[r] = (tp + ts) / 1e3 / n;
			refault[r] = (tp + ts + t_gst + t_host) / 1e3 / n;
		}
		snprintf(name, sizeof(name), "p1.inplace.round.%lu", size);
		result(name, "us", round, reps);
		snprintf(name, sizeof(name), "p1.inplace.refault.%lu", size);
		result(name, "us", refault, reps);
		if (size == max) {
			result("p1.inplace.to_private", "us", to_priv, reps);
			result("p1.inplace.to_shared", "us", to_shared, reps);
		}
	}
	munmap(mem, max);
	close(fd);
	kvm_vm_free(vm);
}

/*
 * P1, the 6.12 way: the data sits in a shared memfd (GPA_A); private memory
 * is a separate guest_memfd behind the same memslot as ordinary memory
 * (GPA_B), private by VM-level KVM_SET_MEMORY_ATTRIBUTES.  Moving the data
 * in: make B private, the guest copies A -> B, the host punches A's now
 * unused backing.  Out: the guest copies B -> A, B becomes shared again,
 * its private backing is punched.
 */
static void p1_copy(uint64_t max)
{
	double round[MAX_REPS], guest[MAX_REPS];
	struct kvm_vcpu *vcpu;
	uint64_t size, t, tg;
	int memfd, gmem, r, i, n;
	uint8_t *a, *b_shared;
	struct kvm_vm *vm;
	char name[64];

	vm = create_vm(KVM_X86_SW_PROTECTED_VM, 2 * max, &vcpu);
	memfd = memfd_create("bench-shared", 0);
	TEST_ASSERT(memfd >= 0 && !ftruncate(memfd, max), "memfd: %s",
		    strerror(errno));
	a = map_shared(memfd, max);
	gmem = vm_create_guest_memfd(vm, max, 0);
	/* B's shared half: never touched, as the guest keeps B private. */
	b_shared = mmap(NULL, max, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(b_shared != MAP_FAILED, "mmap: %s", strerror(errno));
	vm_set_user_memory_region2(vm, SLOT_A, 0, GPA_A, max, a, -1, 0);
	vm_set_user_memory_region2(vm, SLOT_B, KVM_MEM_GUEST_MEMFD, GPA_B, max,
				   b_shared, gmem, 0);
	virt_map(vm, GPA_A, GPA_A, max / PG);
	virt_map(vm, GPA_B, GPA_B, max / PG);

	for (size = PG; size <= max; size = next_size(size)) {
		n = inner_loops(size);
		progress("P1 copy: %s shared -> private -> shared, %d x %d",
			 size_str(size), reps, n);
		fill(a, size, size);
		for (r = 0; r < reps; r++) {
			t = tg = 0;
			for (i = 0; i < n; i++) {
				t -= now_ns();
				vm_mem_set_private(vm, GPA_B, size);
				tg += guest_run(vcpu, OP_COPY, GPA_A, GPA_B, size);
				punch(memfd, 0, size);

				tg += guest_run(vcpu, OP_COPY, GPA_B, GPA_A, size);
				vm_mem_set_shared(vm, GPA_B, size);
				punch(gmem, 0, size);
				t += now_ns();
			}
			verify(a, size, size);
			round[r] = t / 1e3 / n;
			guest[r] = tg / 1e3 / n;
		}
		snprintf(name, sizeof(name), "p1.copy.round.%lu", size);
		result(name, "us", round, reps);
		if (size == max)
			result("p1.copy.guest_copy", "us", guest, reps);
	}
	munmap(b_shared, max);
	munmap(a, max);
	close(gmem);
	close(memfd);
	kvm_vm_free(vm);
}

/*
 * P2: conversion cost against size, for populated ranges (allocated and
 * mapped by the host) and never-allocated ones, and against fragmentation
 * of the state (alternating pages) over 64 MiB.
 */
static void p2_sizes(uint64_t max)
{
	double v[MAX_REPS], per_page[MAX_REPS];
	uint64_t size, t, frag = SZ_64M, p;
	char name[64];
	struct kvm_vm *vm;
	uint8_t *mem;
	int fd, r, i, n;

	vm = vm_create_barebones_type(KVM_X86_SW_PROTECTED_VM);
	fd = vm_create_guest_memfd(vm, max, GUEST_MEMFD_FLAG_MMAP |
				   GUEST_MEMFD_FLAG_INIT_SHARED);
	mem = map_shared(fd, max);
	/* Bound, so that every conversion also goes through KVM's zapping. */
	vm_set_user_memory_region2(vm, SLOT_A, KVM_MEM_GUEST_MEMFD, GPA_A, max,
				   NULL, fd, 0);

	for (size = PG; size <= max; size = next_size(size)) {
		n = inner_loops(size);
		progress("P2 populated: %s, %d x %d", size_str(size), reps, n);
		for (r = 0; r < reps; r++) {
			t = 0;
			for (i = 0; i < n; i++) {
				populate(mem, size);
				t += timed_convert(fd, 0, size, PRIVATE);
				t += timed_convert(fd, 0, size, SHARED);
			}
			v[r] = t / 1e3 / n;
			per_page[r] = t / (double)n / (size / PG);
		}
		snprintf(name, sizeof(name), "p2.populated.%lu", size);
		result(name, "us", v, reps);
		snprintf(name, sizeof(name), "p2.populated_per_page.%lu", size);
		result(name, "ns", per_page, reps);
	}

	/*
	 * Freed but still mapped, the range keeps the host's page tables,
	 * which unmapping walks entry by entry (the kernel's zap, not ours).
	 */
	punch(fd, 0, max);
	progress("P2 punched, still mapped: %s, %d x", size_str(max), reps);
	for (r = 0; r < reps; r++) {
		v[r] = timed_convert(fd, 0, max, PRIVATE) / 1e3;
		v[r] += timed_convert(fd, 0, max, SHARED) / 1e3;
	}
	snprintf(name, sizeof(name), "p2.punched_mapped.%lu", max);
	result(name, "us", v, reps);

	/* Never allocated, never mapped: what a VMM has before first use. */
	munmap(mem, max);
	for (size = PG; size <= max; size = next_size(size)) {
		n = inner_loops(size);
		progress("P2 never allocated or mapped: %s, %d x %d", size_str(size), reps, n);
		for (r = 0; r < reps; r++) {
			t = 0;
			for (i = 0; i < n; i++) {
				t += timed_convert(fd, 0, size, PRIVATE);
				t += timed_convert(fd, 0, size, SHARED);
			}
			v[r] = t / 1e3 / n;
		}
		snprintf(name, sizeof(name), "p2.unallocated.%lu", size);
		result(name, "us", v, reps);
	}

	/* The state of 64 MiB as 16384 ranges, turned into one. */
	mem = map_shared(fd, max);
	progress("P2 fragmented: %s of alternating pages -> shared, %d x", size_str(frag), reps);
	for (r = 0; r < reps; r++) {
		populate(mem, frag);
		for (p = 0; p < frag; p += 2 * PG)
			convert(fd, p, PG, PRIVATE);
		v[r] = timed_convert(fd, 0, frag, SHARED) / 1e3;
	}
	result("p2.fragmented_to_shared.67108864", "us", v, reps);
	for (r = 0; r < reps; r++) {
		populate(mem, frag);
		convert(fd, 0, frag, PRIVATE);
		v[r] = timed_convert(fd, 0, frag, SHARED) / 1e3;
	}
	result("p2.uniform_to_shared.67108864", "us", v, reps);

	munmap(mem, max);
	close(fd);
	kvm_vm_free(vm);
}

/*
 * P3: host first-touch faults per second, a guest_memfd mapping against a
 * memfd (shmem) mapping of the same size, alternating which goes first.
 */
static void p3_host_faults(unsigned long type, uint64_t size)
{
	double gm[MAX_REPS], mf[MAX_REPS];
	uint64_t flags = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
	int fds[2], r, k;
	struct kvm_vm *vm;

	progress("P3 host first-touch faults: %s guest_memfd vs memfd, %d x",
		 size_str(size), reps);
	vm = vm_create_barebones_type(type);
	fds[0] = vm_create_guest_memfd(vm, size, flags);
	fds[1] = memfd_create("bench-p3", 0);
	TEST_ASSERT(fds[1] >= 0 && !ftruncate(fds[1], size), "memfd: %s",
		    strerror(errno));

	for (r = 0; r < reps; r++) {
		for (k = 0; k < 2; k++) {
			int which = (r + k) % 2;
			uint8_t *mem = map_shared(fds[which], size);
			uint64_t t = now_ns(), p;

			for (p = 0; p < size; p += PG)
				WRITE_ONCE(mem[p], 1);
			t = now_ns() - t;
			(which ? mf : gm)[r] = (size / PG) / (t / 1e9);
			munmap(mem, size);
			punch(fds[which], 0, size);
		}
	}
	result("p3.gmem", "faults/s", gm, reps);
	result("p3.memfd", "faults/s", mf, reps);
	close(fds[1]);
	close(fds[0]);
	kvm_vm_free(vm);
}

/*
 * kvm.gmem_huge, read when a guest_memfd is created, and the settings
 * anonymous memory with MADV_HUGEPAGE depends on: P7 sets them, and puts
 * back at exit what it found.  NUMA balancing unmaps anonymous memory,
 * and so KVM's mappings of it, 256 MiB at a time wherever the run is (not
 * guest_memfd, which it leaves alone): P7 turns it off.
 */
#define GMEM_HUGE	"/sys/module/kvm/parameters/gmem_huge"
#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"
#define THP_ZERO_PAGE	"/sys/kernel/mm/transparent_hugepage/use_zero_page"
#define NUMA_BALANCING	"/proc/sys/kernel/numa_balancing"

static char old_gmem_huge[32], old_thp_enabled[32], old_thp_zero_page[32];
static char old_numa_balancing[32];

/* Read a sysfs knob, without its newline; false if there is no such file. */
static bool read_knob(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f) {
		TEST_ASSERT(errno == ENOENT, "%s: %s", path, strerror(errno));
		return false;
	}
	ok = fgets(buf, size, f);
	fclose(f);
	TEST_ASSERT(ok, "%s: nothing to read", path);
	buf[strcspn(buf, "\n")] = 0;
	return true;
}

static int __write_knob(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), r = -1;

	if (fd >= 0) {
		r = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
		close(fd);
	}
	return r;
}

static void write_knob(const char *path, const char *val)
{
	TEST_ASSERT(!__write_knob(path, val), "writing %s to %s: %s", val, path,
		    strerror(errno));
}

/* At exit, failed assertions included. */
static void restore_knobs(void)
{
	if (old_gmem_huge[0] && __write_knob(GMEM_HUGE, old_gmem_huge))
		printf("warning: could not put %s back to %s\n", GMEM_HUGE,
		       old_gmem_huge);
	if (old_thp_enabled[0] && __write_knob(THP_ENABLED, old_thp_enabled))
		printf("warning: could not put %s back to %s\n", THP_ENABLED,
		       old_thp_enabled);
	if (old_thp_zero_page[0] && __write_knob(THP_ZERO_PAGE, old_thp_zero_page))
		printf("warning: could not put %s back to %s\n", THP_ZERO_PAGE,
		       old_thp_zero_page);
	if (old_numa_balancing[0] && __write_knob(NUMA_BALANCING, old_numa_balancing))
		printf("warning: could not put %s back to %s\n", NUMA_BALANCING,
		       old_numa_balancing);
	old_gmem_huge[0] = old_thp_enabled[0] = old_thp_zero_page[0] = 0;
	old_numa_balancing[0] = 0;
}

/*
 * A shared, mmap()able guest_memfd, with 2 MiB folios if @huge.  P7 keeps
 * kvm.gmem_huge at never but for this.
 */
static int gmem_create(struct kvm_vm *vm, uint64_t size, bool huge)
{
	int fd;

	write_knob(GMEM_HUGE, huge ? "always" : "never");
	fd = vm_create_guest_memfd(vm, size, GUEST_MEMFD_FLAG_MMAP |
				   GUEST_MEMFD_FLAG_INIT_SHARED);
	write_knob(GMEM_HUGE, "never");
	return fd;
}

/*
 * Anonymous memory: with 4 KiB pages, like guest_memfd's, or, for @thp,
 * with MADV_HUGEPAGE and 2 MiB-aligned (KVM maps 2 MiB only where the host
 * address is aligned like the guest's).  munmap(mem, size) frees it all.
 */
static void *map_anon(uint64_t size, bool thp)
{
	uint64_t extra = thp ? SZ_2M : 0;
	uint8_t *mem, *aligned;

	mem = mmap(NULL, size + extra, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(mem != MAP_FAILED, "mmap: %s", strerror(errno));
	if (!thp) {
		madvise(mem, size, MADV_NOHUGEPAGE);
		return mem;
	}
	aligned = align_ptr_up(mem, SZ_2M);
	if (aligned > mem)
		munmap(mem, aligned - mem);
	if (mem + extra > aligned)
		munmap(aligned + size, mem + extra - aligned);
	TEST_ASSERT(!madvise(aligned, size, MADV_HUGEPAGE),
		    "MADV_HUGEPAGE: %s", strerror(errno));
	return aligned;
}

/*
 * P4 backings: anonymous memory; a guest_memfd in a gmem-only memslot,
 * shared or private (in-place conversion on); or, as 6.12 has it, a
 * private guest_memfd beside anonymous memory, private by VM attributes.
 * P7 adds anonymous memory with THP and a shared guest_memfd with huge
 * folios; its 4 KiB guest_memfd is B_GMEM_SHARED.
 */
enum {
	B_ANON, B_GMEM_SHARED, B_GMEM_PRIVATE, B_GMEM_612, B_ANON_THP,
	B_GMEM_HUGE, NR_BACKINGS
};
static const char * const backing_name[] = {
	"anon", "gmem_shared", "gmem_private", "gmem_612", "anon_thp",
	"gmem_huge",
};

/* @size of @backing at GPA_A, which the guest maps with pages of @level. */
static struct kvm_vm *p4_vm(int backing, uint64_t size, int level,
			    struct kvm_vcpu **vcpu, int *fd, void **anon)
{
	struct kvm_vm *vm = create_vm(KVM_X86_SW_PROTECTED_VM, size, vcpu);

	*fd = -1;
	*anon = NULL;
	if (backing == B_ANON || backing == B_GMEM_612 || backing == B_ANON_THP)
		*anon = map_anon(size, backing == B_ANON_THP);
	if (backing == B_ANON || backing == B_ANON_THP) {
		vm_set_user_memory_region2(vm, SLOT_A, 0, GPA_A, size, *anon,
					   -1, 0);
	} else if (backing == B_GMEM_612) {
		*fd = vm_create_guest_memfd(vm, size, 0);
		vm_set_user_memory_region2(vm, SLOT_A, KVM_MEM_GUEST_MEMFD,
					   GPA_A, size, *anon, *fd, 0);
		vm_mem_set_private(vm, GPA_A, size);
	} else {
		if (backing == B_GMEM_HUGE)
			*fd = gmem_create(vm, size, true);
		else
			*fd = vm_create_guest_memfd(vm, size, GUEST_MEMFD_FLAG_MMAP |
						    (backing == B_GMEM_SHARED ?
						     GUEST_MEMFD_FLAG_INIT_SHARED : 0));
		vm_set_user_memory_region2(vm, SLOT_A, KVM_MEM_GUEST_MEMFD,
					   GPA_A, size, NULL, *fd, 0);
	}
	if (level == PG_LEVEL_4K)
		virt_map(vm, GPA_A, GPA_A, size / PG);
	else
		virt_map_level(vm, GPA_A, GPA_A, size, level);
	return vm;
}

static uint64_t pre_fault(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t size)
{
	struct kvm_pre_fault_memory range = { .gpa = gpa, .size = size };
	uint64_t t = now_ns();
	int ret;

	while (range.size) {
		ret = __vcpu_ioctl(vcpu, KVM_PRE_FAULT_MEMORY, &range);
		TEST_ASSERT(!ret || errno == EINTR || errno == EAGAIN,
			    "KVM_PRE_FAULT_MEMORY: %s", strerror(errno));
	}
	return now_ns() - t;
}

/*
 * P4: the guest faulting in memory from a gmem-only memslot against an
 * anonymous-memory memslot: KVM_PRE_FAULT_MEMORY, and a vCPU writing every
 * page.  Each sample starts from a new VM and unallocated memory.
 */
static void p4_guest_faults(uint64_t size, bool inplace)
{
	static const int with_inplace[] = { B_ANON, B_GMEM_SHARED, B_GMEM_PRIVATE };
	static const int without[] = { B_ANON, B_GMEM_612 };
	const int *backings = inplace ? with_inplace : without;
	int nr = inplace ? ARRAY_SIZE(with_inplace) : ARRAY_SIZE(without);
	double pf[NR_BACKINGS][MAX_REPS], touch[NR_BACKINGS][MAX_REPS];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	char name[64];
	void *anon;
	int r, k, b, fd;

	progress("P4 guest fault-in: %s anonymous vs guest_memfd, %d x",
		 size_str(size), reps);
	for (r = 0; r < reps; r++) {
		for (k = 0; k < nr; k++) {
			b = backings[(r + k) % nr];

			vm = p4_vm(b, size, PG_LEVEL_4K, &vcpu, &fd, &anon);
			pf[b][r] = (size / PG) / (pre_fault(vcpu, GPA_A, size) / 1e9);
			kvm_vm_free(vm);
			if (anon)
				munmap(anon, size);
			if (fd >= 0)
				close(fd);

			vm = p4_vm(b, size, PG_LEVEL_4K, &vcpu, &fd, &anon);
			touch[b][r] = (size / PG) /
				      (guest_run(vcpu, OP_WRITE, 0, GPA_A, size) / 1e9);
			kvm_vm_free(vm);
			if (anon)
				munmap(anon, size);
			if (fd >= 0)
				close(fd);
		}
	}
	for (k = 0; k < nr; k++) {
		b = backings[k];
		snprintf(name, sizeof(name), "p4.prefault.%s", backing_name[b]);
		result(name, "pages/s", pf[b], reps);
		snprintf(name, sizeof(name), "p4.vcpu.%s", backing_name[b]);
		result(name, "pages/s", touch[b], reps);
	}
}

/*
 * P6: guest fault-in from a gmem-only memslot (shared) with no NUMA policy,
 * with the whole file bound to node 0, and interleaved over nodes 0 and 1:
 * what asking the file's policy costs a fault.  Needs two nodes.
 */
enum { NUMA_NONE, NUMA_BIND, NUMA_INTERLEAVE, NR_NUMA };
static const char * const numa_name[] = { "none", "bind", "interleave" };

static void set_numa_policy(int fd, uint64_t size, int policy)
{
	unsigned long nodes = policy == NUMA_BIND ? 1 : 3;
	int mode = policy == NUMA_BIND ? MPOL_BIND : MPOL_INTERLEAVE;
	void *mem;

	if (policy == NUMA_NONE)
		return;
	/* The policy belongs to the file: it outlives this mapping. */
	mem = map_shared(fd, size);
	TEST_ASSERT(!syscall(__NR_mbind, mem, size, mode, &nodes, 3, 0),
		    "mbind: %s", strerror(errno));
	munmap(mem, size);
}

/* The node of the first @n pages of @fd, which must be allocated. */
static void check_nodes(int fd, int policy, int n)
{
	void *mem = map_shared(fd, n * PG), *pages[64];
	int status[64], i, want;

	TEST_ASSERT(n <= 64, "check_nodes: at most 64 pages");
	for (i = 0; i < n; i++) {
		pages[i] = (char *)mem + i * PG;
		(void)*(volatile char *)pages[i];
	}
	TEST_ASSERT(!syscall(__NR_move_pages, 0, n, pages, NULL, status, 0),
		    "move_pages: %s", strerror(errno));
	for (i = 0; i < n && policy != NUMA_NONE; i++) {
		want = policy == NUMA_BIND ? 0 : i % 2;
		TEST_ASSERT(status[i] == want, "P6 %s: page %d on node %d, not %d",
			    numa_name[policy], i, status[i], want);
	}
	munmap(mem, n * PG);
}

static int numa_nodes(void)
{
	unsigned long mask[16] = {};
	int n = 0, i;

	if (syscall(__NR_get_mempolicy, NULL, mask, 1024, NULL, MPOL_F_MEMS_ALLOWED))
		return 1;
	for (i = 0; i < 1024; i++)
		n += !!(mask[i / 64] & (1UL << (i % 64)));
	return n;
}

static void p6_numa_faults(uint64_t size)
{
	double pf[NR_NUMA][MAX_REPS], touch[NR_NUMA][MAX_REPS];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	char name[64];
	int r, k, pol, fd;
	void *anon;

	if (numa_nodes() < 2) {
		printf("P6: skipped, the VM has one NUMA node\n");
		return;
	}
	progress("P6 guest fault-in under a NUMA policy: %s, %d x", size_str(size), reps);
	for (r = 0; r < reps; r++) {
		for (k = 0; k < NR_NUMA; k++) {
			pol = (r + k) % NR_NUMA;

			vm = p4_vm(B_GMEM_SHARED, size, PG_LEVEL_4K, &vcpu,
				   &fd, &anon);
			set_numa_policy(fd, size, pol);
			pf[pol][r] = (size / PG) / (pre_fault(vcpu, GPA_A, size) / 1e9);
			check_nodes(fd, pol, 64);
			kvm_vm_free(vm);
			close(fd);

			vm = p4_vm(B_GMEM_SHARED, size, PG_LEVEL_4K, &vcpu,
				   &fd, &anon);
			set_numa_policy(fd, size, pol);
			touch[pol][r] = (size / PG) /
					(guest_run(vcpu, OP_WRITE, 0, GPA_A, size) / 1e9);
			check_nodes(fd, pol, 64);
			kvm_vm_free(vm);
			close(fd);
		}
	}
	for (pol = 0; pol < NR_NUMA; pol++) {
		snprintf(name, sizeof(name), "p6.prefault.%s", numa_name[pol]);
		result(name, "pages/s", pf[pol], reps);
		snprintf(name, sizeof(name), "p6.vcpu.%s", numa_name[pol]);
		result(name, "pages/s", touch[pol], reps);
	}
}

static long slab_unreclaimable_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	TEST_ASSERT(f, "/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SUnreclaim: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * P5: kernel memory that tracks state, per distinct range, in the worst
 * case: alternating pages over 1 GiB (262144 ranges).  Measured as the
 * growth of unreclaimable slab (/proc/meminfo), after RCU has freed the
 * nodes replaced on the way.  For the guest_memfd's maple tree, or, in a
 * boot with in-place conversion off, for the VM-level attribute xarray.
 */
static void p5_state_bytes(bool vm_level)
{
	uint64_t size = SZ_1G, p, ranges = size / PG;
	double v[MAX_REPS];
	long before, after;
	struct kvm_vm *vm;
	int fd = -1, r;

	progress("P5 state bytes per range: %s alternating pages, %s, %d x",
		 size_str(size), vm_level ? "VM-level xarray" : "guest_memfd", reps);
	for (r = 0; r < reps; r++) {
		vm = vm_create_barebones_type(KVM_X86_SW_PROTECTED_VM);
		if (!vm_level)
			fd = vm_create_guest_memfd(vm, size, GUEST_MEMFD_FLAG_MMAP |
						   GUEST_MEMFD_FLAG_INIT_SHARED);
		usleep(200000);
		before = slab_unreclaimable_kb();
		for (p = 0; p < size; p += 2 * PG) {
			if (vm_level)
				vm_mem_set_private(vm, GPA_A + p, PG);
			else
				convert(fd, p, PG, PRIVATE);
		}
		/* Let RCU free the nodes that the stores replaced. */
		usleep(500000);
		after = slab_unreclaimable_kb();
		v[r] = (after - before) * 1024.0 / ranges;
		if (fd >= 0)
			close(fd);
		kvm_vm_free(vm);
	}
	result(vm_level ? "p5.vm_xarray" : "p5.gmem", "bytes", v, reps);
}

/*
 * /proc/meminfo's @key, in kB, once the counters every CPU keeps apart
 * have been folded in: 32 small pages would otherwise hide there.
 */
static long meminfo_kb(const char *key)
{
	char line[128], name[64];
	long kb = -1;
	FILE *f;

	write_knob("/proc/sys/vm/stat_refresh", "1");
	f = fopen("/proc/meminfo", "r");
	TEST_ASSERT(f, "/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %ld", name, &kb) == 2 &&
		    !strcmp(name, key))
			break;
	fclose(f);
	TEST_ASSERT(kb >= 0 && !strcmp(name, key), "/proc/meminfo: no %s", key);
	return kb;
}

/*
 * P7 checks what a run measured, and a failed check stops the bench: a
 * ratio of huge to 4 KiB memory that is not what it says means nothing.
 * Huge runs need at least 15 in 16 of their 2 MiB parts huge; 4 KiB runs
 * none.  @thp_kb: how much FileHugePages (AnonHugePages for anonymous
 * memory) grew over the run.
 */
static void check_folios(const char *what, bool huge, uint64_t size,
			 long thp_kb)
{
	long parts = size / SZ_2M, folios = thp_kb / 2048;

	if (huge)
		TEST_ASSERT(folios >= parts - parts / 16,
			    "%s: %ld of %ld 2 MiB parts got huge folios "
			    "(%ld kB): is kvm.gmem_huge (or THP) doing anything?",
			    what, folios, parts, thp_kb);
	else
		TEST_ASSERT(thp_kb <= 0, "%s: %ld kB of huge folios where none should be",
			    what, thp_kb);
}

/* @pages_2m: how many 2 MiB mappings KVM made over the run. */
static void check_mapped(const char *what, bool huge, uint64_t size,
			 long pages_2m)
{
	long parts = size / SZ_2M;

	if (huge)
		TEST_ASSERT(pages_2m >= parts - parts / 16,
			    "%s: KVM mapped %ld of %ld 2 MiB parts with 2 MiB pages",
			    what, pages_2m, parts);
	else
		TEST_ASSERT(pages_2m == 0, "%s: KVM mapped %ld 2 MiB pages of 4 KiB folios",
			    what, pages_2m);
}

/*
 * P7's backings, in their RESULT names.  KVM_PRE_FAULT_MEMORY faults for
 * reading: anonymous memory would get the huge zero page, allocating and
 * zeroing nothing, where guest_memfd allocates and zeroes its folios.  So
 * anon_thp is faulted in with THP's use_zero_page off, and allocates THPs
 * as the guest's writes do; anon_thp_zeropage (pre-fault only) is what the
 * default setting gives.
 */
enum { P7_ANON_THP, P7_GMEM_4K, P7_GMEM_HUGE, P7_ANON_ZERO_PAGE, NR_P7 };
static const int p7_backings[] = { B_ANON_THP, B_GMEM_SHARED, B_GMEM_HUGE, B_ANON_THP };
static const char * const p7_name[] = {
	"anon_thp", "gmem_4k", "gmem_huge", "anon_thp_zeropage",
};
static const char * const file_name[] = { "gmem_4k", "gmem_huge" };

/*
 * One sample of P7 fault-in: a new VM, @size of backing p7_backings[@k]
 * faulted in by KVM_PRE_FAULT_MEMORY or by a vCPU writing every 4 KiB
 * page; pages per second.  The guest maps the region with 2 MiB pages:
 * page by page, mapping 1 GiB takes seconds under TCG, and the guest's
 * page size is the same for every backing.
 */
static double p7_fault_in(int k, uint64_t size, bool vcpu_touch)
{
	int b = p7_backings[k];
	const char *thp = b == B_ANON_THP ? "AnonHugePages" : "FileHugePages";
	bool huge = k != P7_GMEM_4K && k != P7_ANON_ZERO_PAGE;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	long thp_kb;
	char what[64];
	uint64_t t;
	void *anon;
	int fd;

	snprintf(what, sizeof(what), "P7 %s, %s",
		 vcpu_touch ? "vCPU first touch" : "pre-fault", p7_name[k]);
	if (b == B_ANON_THP)
		write_knob(THP_ZERO_PAGE, k == P7_ANON_ZERO_PAGE ? "1" : "0");
	thp_kb = meminfo_kb(thp);
	vm = p4_vm(b, size, PG_LEVEL_2M, &vcpu, &fd, &anon);
	if (vcpu_touch)
		t = guest_run(vcpu, OP_WRITE, 0, GPA_A, size);
	else
		t = pre_fault(vcpu, GPA_A, size);
	check_folios(what, huge, size, meminfo_kb(thp) - thp_kb);
	/* The huge zero page is mapped 2 MiB too. */
	check_mapped(what, huge || k == P7_ANON_ZERO_PAGE, size,
		     vm_get_stat(vm, "pages_2m"));
	kvm_vm_free(vm);
	if (anon)
		munmap(anon, size);
	if (fd >= 0)
		close(fd);
	return (size / PG) / (t / 1e9);
}

/*
 * The floor under fault-in: fallocate() of @size of a guest_memfd with
 * huge folios or 4 KiB ones, bound to no memslot: what allocating the
 * folios and inserting them into the page cache costs.  guest_memfd zeroes
 * a folio on first use, not here, so the rest of a fault's cost is zeroing
 * and mapping.  Pages per second.
 */
static double p7_fallocate(uint64_t size, bool huge)
{
	struct kvm_vm *vm = vm_create_barebones_type(KVM_X86_SW_PROTECTED_VM);
	int fd = gmem_create(vm, size, huge);
	long thp_kb = meminfo_kb("FileHugePages");
	uint64_t t = now_ns();

	TEST_ASSERT(!fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size),
		    "fallocate: %s", strerror(errno));
	t = now_ns() - t;
	check_folios(huge ? "P7 fallocate, gmem_huge" : "P7 fallocate, gmem_4k",
		     huge, size, meminfo_kb("FileHugePages") - thp_kb);
	close(fd);
	kvm_vm_free(vm);
	return (size / PG) / (t / 1e9);
}

/*
 * P7 fault-in: KVM_PRE_FAULT_MEMORY, and a vCPU writing every page, as in
 * P4, from a gmem-only memslot (shared) of a guest_memfd with huge folios,
 * of one with 4 KiB folios, and from anonymous memory with THP; and
 * fallocate() of the guest_memfds, the floor under both.
 */
static void p7_faults(uint64_t size)
{
	double pf[NR_P7][MAX_REPS], touch[NR_P7][MAX_REPS], fa[2][MAX_REPS];
	int r, k, b;
	char name[64];

	progress("P7 fault-in: %s, anonymous THP vs guest_memfd 4 KiB vs huge, %d x",
		 size_str(size), reps);
	for (r = 0; r < reps; r++) {
		for (k = 0; k < NR_P7; k++) {
			b = (r + k) % NR_P7;
			pf[b][r] = p7_fault_in(b, size, false);
			if (b != P7_ANON_ZERO_PAGE)
				touch[b][r] = p7_fault_in(b, size, true);
		}
		for (k = 0; k < 2; k++)
			fa[(r + k) % 2][r] = p7_fallocate(size, (r + k) % 2);
	}
	for (k = 0; k < 2; k++) {
		snprintf(name, sizeof(name), "p7.fallocate.%s.%lu", file_name[k], size);
		result(name, "pages/s", fa[k], reps);
	}
	for (b = 0; b < NR_P7; b++) {
		snprintf(name, sizeof(name), "p7.prefault.%s.%lu", p7_name[b], size);
		result(name, "pages/s", pf[b], reps);
		if (b == P7_ANON_ZERO_PAGE)
			continue;
		snprintf(name, sizeof(name), "p7.vcpu.%s.%lu", p7_name[b], size);
		result(name, "pages/s", touch[b], reps);
	}
}

/*
 * P7 conversions, a file with huge folios against one with 4 KiB folios,
 * both bound to memslots (as in P2) and alternating which goes first:
 *  - uniform 2 MiB-aligned ranges, populated by the host, shared ->
 *    private -> shared: these must leave the huge folios whole;
 *  - split: one 4 KiB page -> private in the middle of each 2 MiB of the
 *    file, allocated by fallocate() and never mapped: in the huge file,
 *    each conversion splits a folio first.
 */
static void p7_conversions(void)
{
	static const uint64_t sizes[] = { SZ_2M, SZ_64M };
	const uint64_t file = SZ_64M, parts = file / SZ_2M;
	double v[2][MAX_REPS];
	uint64_t size, t, p;
	struct kvm_vm *vm;
	long thp_kb, huge_kb;
	uint8_t *mem[2];
	int fds[2], s, r, k, h, i, n;
	char name[64];

	vm = vm_create_barebones_type(KVM_X86_SW_PROTECTED_VM);
	for (h = 0; h < 2; h++) {
		fds[h] = gmem_create(vm, file, h);
		vm_set_user_memory_region2(vm, h ? SLOT_B : SLOT_A,
					   KVM_MEM_GUEST_MEMFD, h ? GPA_B : GPA_A,
					   file, NULL, fds[h], 0);
		mem[h] = map_shared(fds[h], file);
		thp_kb = meminfo_kb("FileHugePages");
		populate(mem[h], file);
		snprintf(name, sizeof(name), "P7 conversions, %s", file_name[h]);
		check_folios(name, h, file, meminfo_kb("FileHugePages") - thp_kb);
	}
	huge_kb = meminfo_kb("FileHugePages");

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		size = sizes[s];
		n = inner_loops(size);
		progress("P7 conversion of uniform ranges: %s shared -> private -> shared, huge vs 4 KiB folios, %d x %d",
			 size_str(size), reps, n);
		for (r = 0; r < reps; r++) {
			for (k = 0; k < 2; k++) {
				h = (r + k) % 2;
				t = 0;
				for (i = 0; i < n; i++) {
					populate(mem[h], size);
					t += timed_convert(fds[h], 0, size, PRIVATE);
					t += timed_convert(fds[h], 0, size, SHARED);
				}
				v[h][r] = t / 1e3 / n;
			}
		}
		for (h = 0; h < 2; h++) {
			snprintf(name, sizeof(name), "p7.convert.%s.%lu", file_name[h], size);
			result(name, "us", v[h], reps);
		}
	}
	thp_kb = meminfo_kb("FileHugePages");
	TEST_ASSERT(thp_kb == huge_kb,
		    "P7: conversions of whole 2 MiB-aligned ranges split huge folios (FileHugePages %ld -> %ld kB)",
		    huge_kb, thp_kb);

	/* Never mapped: no host page tables for the conversions to walk. */
	for (h = 0; h < 2; h++) {
		munmap(mem[h], file);
		punch(fds[h], 0, file);
	}
	progress("P7 split: 4 KiB -> private inside each of %lu allocated, unmapped 2 MiB, huge vs 4 KiB folios, %d x",
		 parts, reps);
	for (r = 0; r < reps; r++) {
		for (k = 0; k < 2; k++) {
			h = (r + k) % 2;
			thp_kb = meminfo_kb("FileHugePages");
			TEST_ASSERT(!fallocate(fds[h], FALLOC_FL_KEEP_SIZE, 0, file),
				    "fallocate: %s", strerror(errno));
			snprintf(name, sizeof(name), "P7 split, %s", file_name[h]);
			check_folios(name, h, file, meminfo_kb("FileHugePages") - thp_kb);
			t = 0;
			for (p = 0; p < file; p += SZ_2M)
				t += timed_convert(fds[h], p + SZ_1M, PG, PRIVATE);
			huge_kb = meminfo_kb("FileHugePages");
			TEST_ASSERT(huge_kb <= thp_kb,
				    "P7 split: %ld kB of huge folios left after converting 4 KiB in each",
				    huge_kb - thp_kb);
			v[h][r] = t / 1e3 / parts;
			for (p = 0; p < file; p += SZ_2M)
				convert(fds[h], p + SZ_1M, PG, SHARED);
			punch(fds[h], 0, file);
		}
	}
	for (h = 0; h < 2; h++) {
		snprintf(name, sizeof(name), "p7.split.%s", file_name[h]);
		result(name, "us", v[h], reps);
	}
	close(fds[1]);
	close(fds[0]);
	kvm_vm_free(vm);
}

/*
 * P7 memory: the host touches one 4 KiB page in every 2 MiB of a 64 MiB
 * file; what that costs is the growth of the page cache (Cached), huge
 * folios against 4 KiB ones.
 */
static void p7_memory(void)
{
	const uint64_t size = SZ_64M;
	double used[2][MAX_REPS];
	long cached, thp_kb;
	struct kvm_vm *vm;
	char what[64];
	uint8_t *mem;
	uint64_t p;
	int r, k, h, fd;

	progress("P7 memory: one 4 KiB page touched in every 2 MiB of %s, huge vs 4 KiB folios, %d x",
		 size_str(size), reps);
	vm = vm_create_barebones_type(KVM_X86_SW_PROTECTED_VM);
	for (r = 0; r < reps; r++) {
		for (k = 0; k < 2; k++) {
			h = (r + k) % 2;
			cached = meminfo_kb("Cached");
			thp_kb = meminfo_kb("FileHugePages");
			fd = gmem_create(vm, size, h);
			mem = map_shared(fd, size);
			for (p = 0; p < size; p += SZ_2M)
				WRITE_ONCE(mem[p], 1);
			used[h][r] = meminfo_kb("Cached") - cached;
			snprintf(what, sizeof(what), "P7 memory, %s", file_name[h]);
			check_folios(what, h, size, meminfo_kb("FileHugePages") - thp_kb);
			munmap(mem, size);
			close(fd);
		}
	}
	for (h = 0; h < 2; h++) {
		snprintf(what, sizeof(what), "p7.memory.%s", file_name[h]);
		result(what, "kB", used[h], reps);
	}
	kvm_vm_free(vm);
}

/*
 * P7, P1 with re-faults: P1's in-place round trip of @size (shared ->
 * private -> shared, the guest reading every page while private, the
 * host re-touching every page after), a file with huge folios against one
 * with 4 KiB folios, in two memslots of one VM.  The copy path P1 compares
 * with runs in the other boot: report.py pairs them.
 */
static void p7_refault(uint64_t size)
{
	double round[2][MAX_REPS], refault[2][MAX_REPS];
	uint64_t gpa[2] = { GPA_A, GPA_B }, tp, ts, t_gst, t_host;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	long thp_kb, pages_2m;
	uint8_t *mem[2];
	int fds[2], r, k, h;
	char name[64];

	TEST_ASSERT(size <= SZ_1G, "P7: at most 1 GiB for P1 with re-faults");
	vm = create_vm(KVM_X86_SW_PROTECTED_VM, 2 * size, &vcpu);
	for (h = 0; h < 2; h++) {
		fds[h] = gmem_create(vm, size, h);
		mem[h] = map_shared(fds[h], size);
		vm_set_user_memory_region2(vm, h ? SLOT_B : SLOT_A,
					   KVM_MEM_GUEST_MEMFD, gpa[h], size,
					   NULL, fds[h], 0);
		virt_map(vm, gpa[h], gpa[h], size / PG);
		thp_kb = meminfo_kb("FileHugePages");
		fill(mem[h], size, size);
		snprintf(name, sizeof(name), "P7 P1 with re-faults, %s", file_name[h]);
		check_folios(name, h, size, meminfo_kb("FileHugePages") - thp_kb);
	}

	progress("P7 P1 in place with re-faults: %s shared -> private -> shared, huge vs 4 KiB folios, %d x",
		 size_str(size), reps);
	for (r = 0; r < reps; r++) {
		for (k = 0; k < 2; k++) {
			h = (r + k) % 2;
			pages_2m = vm_get_stat(vm, "pages_2m");
			populate(mem[h], size);
			tp = timed_convert(fds[h], 0, size, PRIVATE);
			t_gst = guest_run(vcpu, OP_READ, 0, gpa[h], size);
			pages_2m = vm_get_stat(vm, "pages_2m") - pages_2m;
			ts = timed_convert(fds[h], 0, size, SHARED);
			t_host = now_ns();
			populate(mem[h], size);
			t_host = now_ns() - t_host;
			verify(mem[h], size, size);
			snprintf(name, sizeof(name), "P7 P1 with re-faults, guest, %s",
				 file_name[h]);
			check_mapped(name, h, size, pages_2m);
			round[h][r] = (tp + ts) / 1e3;
			refault[h][r] = (tp + ts + t_gst + t_host) / 1e3;
		}
	}
	for (h = 0; h < 2; h++) {
		snprintf(name, sizeof(name), "p7.inplace.round.%s.%lu", file_name[h], size);
		result(name, "us", round[h], reps);
		snprintf(name, sizeof(name), "p7.inplace.refault.%s.%lu", file_name[h], size);
		result(name, "us", refault[h], reps);
	}
	for (h = 0; h < 2; h++) {
		munmap(mem[h], size);
		close(fds[h]);
	}
	kvm_vm_free(vm);
}

/*
 * P7: huge folios in guest_memfd (kvm.gmem_huge), against 4 KiB folios and
 * anonymous memory with THP.  Sets kvm.gmem_huge per file, THP to madvise
 * if it was off, THP's use_zero_page per run and NUMA balancing off; all
 * go back at exit.  @fault_size: the region faulted in; @p1_size: P1's
 * largest size, for P1 with re-faults.
 */
static void p7_huge(uint64_t fault_size, uint64_t p1_size)
{
	char thp[64], *mode = NULL, *end;

	if (!read_knob(GMEM_HUGE, old_gmem_huge, sizeof(old_gmem_huge))) {
		printf("P7: skipped, the kernel has no kvm.gmem_huge (%s)\n", GMEM_HUGE);
		return;
	}
	if (read_knob(THP_ENABLED, thp, sizeof(thp)) && (mode = strchr(thp, '[')) &&
	    (end = strchr(mode, ']'))) {
		*end = 0;
		mode++;
	}
	TEST_ASSERT(mode, "P7: cannot tell the THP mode from %s", THP_ENABLED);
	TEST_ASSERT(read_knob(THP_ZERO_PAGE, old_thp_zero_page,
			      sizeof(old_thp_zero_page)), "P7: no %s", THP_ZERO_PAGE);
	atexit(restore_knobs);
	if (!strcmp(mode, "never")) {
		snprintf(old_thp_enabled, sizeof(old_thp_enabled), "%s", mode);
		write_knob(THP_ENABLED, "madvise");
	}
	write_knob(GMEM_HUGE, "never");
	if (read_knob(NUMA_BALANCING, old_numa_balancing, sizeof(old_numa_balancing)))
		write_knob(NUMA_BALANCING, "0");
	printf("P7: kvm.gmem_huge was %s, THP %s%s, NUMA balancing %s (off for P7)\n",
	       old_gmem_huge, mode,
	       old_thp_enabled[0] ? " (madvise for P7)" : "",
	       old_numa_balancing[0] ? old_numa_balancing : "absent");

	p7_memory();
	p7_conversions();
	p7_faults(fault_size);
	p7_refault(p1_size);
	restore_knobs();
}

/* P7's fault-in size: 1 GiB, a few minutes under TCG (-f for less). */
#define P7_FAULT_SIZE	SZ_1G

static void help(const char *prog)
{
	printf("usage: %s [-r REPS] [-s MiB] [-f MiB] [-p PARTS]\n"
	       "  -r  repetitions of each measurement (default 5)\n"
	       "  -s  P1 size in MiB (default 256)\n"
	       "  -f  P7 fault-in size in MiB, a multiple of 2 (default %d)\n"
	       "  -p  parts to run, e.g. 12 or 7 (default 1234567)\n",
	       prog, P7_FAULT_SIZE / SZ_1M);
}

int main(int argc, char *argv[])
{
	uint64_t p1_size = SZ_256M, p7_size = P7_FAULT_SIZE, size;
	const char *parts = "1234567";
	bool inplace, vm_attrs;
	int c;

	while ((c = getopt(argc, argv, "r:s:f:p:h")) != -1) {
		switch (c) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 's':
			p1_size = strtoull(optarg, NULL, 0) * SZ_1M;
			break;
		case 'f':
			p7_size = strtoull(optarg, NULL, 0) * SZ_1M;
			break;
		case 'p':
			parts = optarg;
			break;
		default:
			help(argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	TEST_ASSERT(reps >= 1 && reps <= MAX_REPS, "-r: 1..%d", MAX_REPS);
	TEST_ASSERT(p1_size >= PG, "-s: at least 1");
	TEST_ASSERT(p7_size && p7_size % SZ_2M == 0, "-f: a multiple of 2");
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!have_type(KVM_X86_SW_PROTECTED_VM)) {
		printf("error: no KVM_X86_SW_PROTECTED_VM\n");
		return 2;
	}
	inplace = sw_has_inplace();
	vm_attrs = sw_has_vm_attributes();
	printf("gmem-bench: %d repetitions; in-place conversion %s, VM-level private attributes %s\n",
	       reps, inplace ? "on" : "off", vm_attrs ? "on" : "off");

	if (strchr(parts, '1')) {
		if (inplace)
			p1_inplace(p1_size);
		if (vm_attrs)
			p1_copy(p1_size);
	}
	if (strchr(parts, '2') && inplace)
		p2_sizes(SZ_1G);
	if (strchr(parts, '3'))
		p3_host_faults(inplace ? KVM_X86_SW_PROTECTED_VM : KVM_X86_DEFAULT_VM,
			       SZ_256M);
	if (strchr(parts, '4'))
		p4_guest_faults(SZ_128M, inplace);
	if (strchr(parts, '5'))
		p5_state_bytes(!inplace);
	if (strchr(parts, '6') && inplace)
		p6_numa_faults(SZ_128M);
	if (strchr(parts, '7') && !inplace)
		printf("P7: skipped, it needs in-place conversion\n");
	if (strchr(parts, '7') && inplace) {
		/* P1's largest size, which report.py pairs with the copy path. */
		for (size = PG; next_size(size) <= p1_size; size = next_size(size))
			;
		p7_huge(p7_size, max(size, (uint64_t)SZ_4M));
	}
	printf("gmem-bench: done\n");
	return 0;
}
