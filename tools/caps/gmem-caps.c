// SPDX-License-Identifier: GPL-2.0-only
/*
 * gmem-caps: report, live from KVM's ioctls, what this kernel offers for
 * guest_memfd: host mmap(), creation flags and in-place conversion, both
 * system-wide (/dev/kvm) and for each VM type the kernel advertises.
 *
 * Nothing here is canned: every value is an ioctl's answer, and every
 * "create" column is the result of actually creating a guest_memfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <linux/kvm.h>

/* Upstream values; older uAPI headers do not have them yet. */
#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS 244
#endif
#ifndef KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES
#define KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES 250
#endif
#ifndef GUEST_MEMFD_FLAG_MMAP
#define GUEST_MEMFD_FLAG_MMAP (1ULL << 0)
#endif
#ifndef GUEST_MEMFD_FLAG_INIT_SHARED
#define GUEST_MEMFD_FLAG_INIT_SHARED (1ULL << 1)
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct cap {
	const char *name;
	long id;
	const char *(*decode)(long val);
};

static const char *vm_type_name(int type)
{
	static const char * const names[] = {
		"KVM_X86_DEFAULT_VM", "KVM_X86_SW_PROTECTED_VM", "KVM_X86_SEV_VM",
		"KVM_X86_SEV_ES_VM", "KVM_X86_SNP_VM", "KVM_X86_TDX_VM",
	};

	return type < (int)ARRAY_SIZE(names) ? names[type] : "unknown VM type";
}

static const char *decode_bool(long val)
{
	return val > 0 ? "yes" : "no";
}

static const char *decode_gmem_flags(long val)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s%s%s%s%s",
		 val & GUEST_MEMFD_FLAG_MMAP ? "MMAP" : "",
		 (val & GUEST_MEMFD_FLAG_MMAP) && (val & ~GUEST_MEMFD_FLAG_MMAP) ? " " : "",
		 val & GUEST_MEMFD_FLAG_INIT_SHARED ? "INIT_SHARED" : "",
		 val & ~3L ? " (unknown bits)" : "",
		 val ? "" : "none");
	return buf;
}

static const char *decode_attrs(long val)
{
	return val & KVM_MEMORY_ATTRIBUTE_PRIVATE ? "PRIVATE" : "none";
}

static const char *decode_vm_types(long val)
{
	static char buf[160];
	size_t len = 0;
	int t;

	buf[0] = '\0';
	for (t = 0; t < 32; t++)
		if (val & (1L << t))
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s",
					len ? " " : "", vm_type_name(t) + 8);
	return len ? buf : "none";
}

static const struct cap caps[] = {
	{ "KVM_CAP_GUEST_MEMFD", KVM_CAP_GUEST_MEMFD, decode_bool },
	{ "KVM_CAP_GUEST_MEMFD_FLAGS", KVM_CAP_GUEST_MEMFD_FLAGS, decode_gmem_flags },
	{ "KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES", KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES, decode_attrs },
	{ "KVM_CAP_MEMORY_ATTRIBUTES", KVM_CAP_MEMORY_ATTRIBUTES, decode_attrs },
	{ "KVM_CAP_VM_TYPES", KVM_CAP_VM_TYPES, decode_vm_types },
};

static long check(int fd, long cap)
{
	long r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? -errno : r;
}

static void print_caps(int fd, int skip_vm_types)
{
	size_t i;
	long v;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		if (skip_vm_types && caps[i].id == KVM_CAP_VM_TYPES)
			continue;
		v = check(fd, caps[i].id);
		if (v < 0)
			printf("    %-38s (%3ld)  error: %s\n", caps[i].name, caps[i].id, strerror(-v));
		else
			printf("    %-38s (%3ld)  %#-6lx %s\n", caps[i].name, caps[i].id, v,
			       caps[i].decode(v));
	}
}

/* Try to create a 2 MiB guest_memfd with @flags; "ok" or the errno name. */
static const char *try_gmem(int vm, unsigned long long flags)
{
	struct kvm_create_guest_memfd gmem = { .size = 2 << 20, .flags = flags };
	int fd = ioctl(vm, KVM_CREATE_GUEST_MEMFD, &gmem);

	if (fd >= 0) {
		close(fd);
		return "ok";
	}
	switch (errno) {
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return strerror(errno);
	}
}

static void print_param(const char *path, const char *what)
{
	char buf[32] = "";
	FILE *f = fopen(path, "r");

	if (f && fgets(buf, sizeof(buf), f))
		buf[strcspn(buf, "\n")] = '\0';
	printf("  %-46s %s\n", what, f ? buf : "(not present in this kernel)");
	if (f)
		fclose(f);
}

int main(void)
{
	struct utsname u;
	long types;
	int kvm, vm, t;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		fprintf(stderr, "gmem-caps: cannot open /dev/kvm: %s\n"
			"  KVM is not available in this kernel or on this CPU (is kvm_amd/kvm_intel loaded?)\n",
			strerror(errno));
		return 1;
	}
	uname(&u);
	printf("guest_memfd capabilities of Linux %s, read live through KVM ioctls\n\n", u.release);
	printf("  KVM API version %d\n", ioctl(kvm, KVM_GET_API_VERSION, 0));
	print_param("/sys/module/kvm/parameters/gmem_in_place_conversion",
		    "module parameter kvm.gmem_in_place_conversion:");

	printf("\n  /dev/kvm (what the kernel supports at all)\n");
	print_caps(kvm, 0);

	types = check(kvm, KVM_CAP_VM_TYPES);
	if (types <= 0)
		types = 1;	/* Only the default VM type. */
	for (t = 0; t < 32; t++) {
		if (!(types & (1L << t)))
			continue;
		vm = ioctl(kvm, KVM_CREATE_VM, t);
		printf("\n  VM type %d, %s\n", t, vm_type_name(t));
		if (vm < 0) {
			printf("    KVM_CREATE_VM failed: %s\n", strerror(errno));
			continue;
		}
		print_caps(vm, 1);
		printf("    KVM_CREATE_GUEST_MEMFD, 2 MiB:  flags 0: %s   MMAP: %s   MMAP|INIT_SHARED: %s   bit 63: %s\n",
		       try_gmem(vm, 0), try_gmem(vm, GUEST_MEMFD_FLAG_MMAP),
		       try_gmem(vm, GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED),
		       try_gmem(vm, 1ULL << 63));
		close(vm);
	}
	close(kvm);
	return 0;
}
