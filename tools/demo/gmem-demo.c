// SPDX-License-Identifier: GPL-2.0-only
/*
 * gmem-demo: a tiny VMM that shows guest_memfd host mmap() and in-place
 * shared/private conversion end to end, with raw KVM ioctls.
 *
 * The guest is a few bytes of real-mode code.  It reads what the host
 * wrote, asks (KVM_HC_MAP_GPA_RANGE) for its data page to become private,
 * writes a secret there, and asks for the page back as shared.  The VMM
 * converts in place each time and narrates what it sees; every value it
 * prints was read live.  Exit status 0 iff every step went as expected, 4 if
 * the kernel lacks what it shows.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>

#define PAGE		4096UL
#define MEM_SIZE	(5 * PAGE)	/* guest_memfd: unused, code, data, spare, pinned */
#define CODE_GPA	0x1000UL
#define DATA_GPA	0x2000UL
#define SPARE_GPA	0x3000UL
#define PIN_GPA		0x4000UL
#define HOST_TEXT	"hello from the host"
#define SECRET		"guest secret 42"

/* Ports the guest writes to, to say where it is. */
enum { PORT_READ = 0x10, PORT_PRIVATE = 0x11, PORT_SECRET = 0x12, PORT_SHARED = 0x13 };

/*
 * KVM_HC_MAP_GPA_RANGE for the data page, in 16-bit code: 32-bit operands
 * (0x66) load eax = KVM_HC_MAP_GPA_RANGE, ebx = gpa, ecx = pages and
 * edx = attributes, then VMMCALL.
 */
#define MAP_DATA_PAGE(attrs)						\
	0x66, 0xb8, KVM_HC_MAP_GPA_RANGE, 0, 0, 0,	/* mov eax, 12  */ \
	0x66, 0xbb, 0x00, 0x20, 0, 0,		/* mov ebx, 0x2000      */ \
	0x66, 0xb9, 1, 0, 0, 0,			/* mov ecx, 1           */ \
	0x66, 0xba, (attrs), 0, 0, 0,		/* mov edx, attrs       */ \
	0x0f, 0x01, 0xd9			/* vmmcall              */

/* The guest, 16-bit real mode, at CODE_GPA. */
static const uint8_t guest_code[] = {
	0xa0, 0x00, 0x20,			/* mov al, [0x2000]       */
	0xe6, PORT_READ,			/* out PORT_READ, al      */
	MAP_DATA_PAGE(KVM_MAP_GPA_RANGE_ENCRYPTED),
	0xe6, PORT_PRIVATE,			/* out PORT_PRIVATE, al   */
	0xbe, 0x80, 0x10,			/* mov si, 0x1080: secret */
	0xbf, 0x00, 0x20,			/* mov di, 0x2000         */
	0xb9, sizeof(SECRET), 0,		/* mov cx, len            */
	0xfc,					/* cld                    */
	0xf3, 0xa4,				/* rep movsb              */
	0xe6, PORT_SECRET,			/* out PORT_SECRET, al    */
	MAP_DATA_PAGE(KVM_MAP_GPA_RANGE_DECRYPTED),
	0xe6, PORT_SHARED,			/* out PORT_SHARED, al    */
	0xf4,					/* hlt                    */
};
#define SECRET_OFFSET	0x80		/* the secret's copy, after the code */

#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#error "needs the uAPI headers of the patched kernel"
#endif

static bool quiet;
static int kvm_fd, vm_fd, vcpu_fd, gmem_fd;
static struct kvm_run *run;
static char *mem;

struct step {
	const char *what;
	char expected[64];
	char observed[64];
	bool ok;
};
static struct step steps[16];
static int nr_steps;

static void say(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static bool record(const char *what, const char *expected, const char *observed)
{
	struct step *s = &steps[nr_steps++];

	s->what = what;
	snprintf(s->expected, sizeof(s->expected), "%s", expected);
	snprintf(s->observed, sizeof(s->observed), "%s", observed);
	s->ok = !strcmp(expected, observed);
	say("   -> expected: %s; observed: %s %s\n\n", expected, observed,
	    s->ok ? "\u2714" : "\u2718");
	return s->ok;
}

static void __attribute__((noreturn)) vexit(int status, const char *fmt, va_list ap)
{
	fprintf(stderr, "gmem-demo: ");
	vfprintf(stderr, fmt, ap);
	exit(status);
}

/* Something went wrong: exit status 2. */
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vexit(2, fmt, ap);
}

/* The kernel lacks what the demo shows: exit status 4, a skip in KTAP terms. */
static void unsupported(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vexit(4, fmt, ap);
}

/* Touch a host address; false if that raised SIGBUS. */
static sigjmp_buf sigbus_env;

static void on_sigbus(int sig __attribute__((unused)))
{
	siglongjmp(sigbus_env, 1);
}

static bool host_can_read(const char *p, char *c)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool ok = true;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(sigbus_env, 1))
		ok = false;
	else
		*c = *(volatile const char *)p;
	sigaction(SIGBUS, &old, NULL);
	return ok;
}

/* The physical frame behind a host virtual address (needs root). */
static uint64_t host_pfn(const void *p)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, sizeof(entry), (uintptr_t)p / PAGE * 8) != sizeof(entry))
		entry = 0;
	close(fd);
	return (entry & (1ULL << 63)) ? entry & ((1ULL << 55) - 1) : 0;
}

static int convert(uint64_t offset, uint64_t size, bool private, uint64_t *error_offset)
{
	struct kvm_memory_attributes2 attrs = {
		.offset = offset,
		.size = size,
		.attributes = private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
	};
	int r = ioctl(gmem_fd, KVM_SET_MEMORY_ATTRIBUTES2, &attrs);

	if (error_offset)
		*error_offset = attrs.error_offset;
	return r ? -errno : 0;
}

/* Run the vCPU until it writes to a port; handle its hypercalls on the way. */
static int run_until_port(void)
{
	for (;;) {
		if (ioctl(vcpu_fd, KVM_RUN, 0) < 0)
			die("KVM_RUN: %s\n", strerror(errno));

		if (run->exit_reason == KVM_EXIT_IO)
			return run->io.port;
		if (run->exit_reason != KVM_EXIT_HYPERCALL ||
		    run->hypercall.nr != KVM_HC_MAP_GPA_RANGE)
			die("unexpected exit %u (internal error suberror %u)\n",
			    run->exit_reason, run->internal.suberror);

		{
			uint64_t gpa = run->hypercall.args[0];
			uint64_t pages = run->hypercall.args[1];
			bool private = run->hypercall.args[2] & KVM_MAP_GPA_RANGE_ENCRYPTED;
			int r;

			say("   guest: KVM_HC_MAP_GPA_RANGE gpa %#lx, %lu page(s), to %s\n",
			    (unsigned long)gpa, (unsigned long)pages,
			    private ? "private" : "shared");
			r = convert(gpa, pages * PAGE, private, NULL);
			say("   VMM:   KVM_SET_MEMORY_ATTRIBUTES2 on the guest_memfd: %s\n",
			    r ? strerror(-r) : "done, in place");
			run->hypercall.ret = r ? KVM_EINVAL : 0;
		}
	}
}

static void usage(const char *argv0)
{
	printf("usage: %s [--quiet] [--help]\n\n"
	       "A tiny VMM showing guest_memfd mmap() and in-place shared/private\n"
	       "conversion on a software-protected VM.  --quiet prints only the\n"
	       "summary table.  Exit status 0 iff every step went as expected, 4 if\n"
	       "the kernel lacks what it shows.\n", argv0);
}

static void setup(void)
{
	struct kvm_userspace_memory_region2 region = {
		.slot = 0,
		.flags = KVM_MEM_GUEST_MEMFD,
		.guest_phys_addr = 0,
		.memory_size = MEM_SIZE,
		.userspace_addr = 0,
		.guest_memfd_offset = 0,
	};
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_EXIT_HYPERCALL,
		.args[0] = 1 << KVM_HC_MAP_GPA_RANGE,
	};
	struct kvm_create_guest_memfd gmem = {
		.size = MEM_SIZE,
		.flags = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2 };
	long types, flags, conv;
	int run_size;

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		die("cannot open /dev/kvm (%s): KVM is not available here.\n"
		    "  Run it inside the test VM ('make run'), or load kvm_amd/kvm_intel.\n",
		    strerror(errno));

	types = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	flags = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_FLAGS);
	conv = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES);
	say("1. Capabilities found on /dev/kvm:\n"
	    "   KVM_CAP_VM_TYPES %#lx, KVM_CAP_GUEST_MEMFD_FLAGS %#lx, "
	    "KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES %#lx\n", types, flags, conv);
	if (!(flags & GUEST_MEMFD_FLAG_MMAP))
		unsupported("this kernel cannot mmap() guest_memfd (KVM_CAP_GUEST_MEMFD_FLAGS = %#lx).\n"
		    "  Build it with CONFIG_KVM_GUEST_MEMFD_MMAP=y.\n", flags);
	if (!(types & (1 << KVM_X86_SW_PROTECTED_VM)))
		unsupported("software-protected VMs are not available: build with CONFIG_KVM_SW_PROTECTED_VM=y\n"
		    "  on a host with TDP (nested paging).\n");
	if (!(conv & KVM_MEMORY_ATTRIBUTE_PRIVATE))
		unsupported("in-place conversion is off (KVM_CAP_GUEST_MEMFD_MEMORY_ATTRIBUTES = 0).\n"
		    "  Boot with kvm.gmem_in_place_conversion=1 (the default).\n");

	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, KVM_X86_SW_PROTECTED_VM);
	if (vm_fd < 0)
		die("KVM_CREATE_VM: %s\n", strerror(errno));
	say("   Chose KVM_X86_SW_PROTECTED_VM: private memory, and the host may map its guest_memfd.\n\n");
	if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap))
		die("KVM_CAP_EXIT_HYPERCALL: %s\n", strerror(errno));

	gmem_fd = ioctl(vm_fd, KVM_CREATE_GUEST_MEMFD, &gmem);
	if (gmem_fd < 0)
		die("KVM_CREATE_GUEST_MEMFD: %s\n", strerror(errno));
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, gmem_fd, 0);
	if (mem == MAP_FAILED)
		die("mmap() of the guest_memfd: %s\n", strerror(errno));
	memcpy(mem + CODE_GPA, guest_code, sizeof(guest_code));
	memcpy(mem + CODE_GPA + SECRET_OFFSET, SECRET, sizeof(SECRET));
	strcpy(mem + DATA_GPA, HOST_TEXT);
	region.guest_memfd = gmem_fd;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION2, &region))
		die("KVM_SET_USER_MEMORY_REGION2: %s\n", strerror(errno));
	say("2. Created a %lu KiB guest_memfd with MMAP|INIT_SHARED (fd %d), mapped it at %p,\n"
	    "   wrote %zu bytes of guest code at guest address %#lx and \"%s\" at %#lx\n"
	    "   through that mapping, and bound the file at guest address 0 as a gmem-only\n"
	    "   memslot with userspace_addr = 0: all of the guest's memory, its code\n"
	    "   included, is in the guest_memfd, and KVM needs no host address for it (it\n"
	    "   reads the code itself to step over VMMCALL on this CPU).\n\n",
	    MEM_SIZE / 1024, gmem_fd, mem, sizeof(guest_code), CODE_GPA, HOST_TEXT,
	    DATA_GPA);

	vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	if (vcpu_fd < 0 || run == MAP_FAILED)
		die("cannot create the vCPU: %s\n", strerror(errno));
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS: %s\n", strerror(errno));
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds = sregs.es = sregs.ss = sregs.cs;
	sregs.ds.type = sregs.es.type = sregs.ss.type = 3;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) || ioctl(vcpu_fd, KVM_SET_REGS, &regs))
		die("cannot set the vCPU's registers: %s\n", strerror(errno));
}

int main(int argc, char **argv)
{
	uint64_t pfn_before, pfn_after, error_offset = 0;
	struct iovec iov = { .iov_base = NULL, .iov_len = PAGE };
	char buf[64], c, pipebuf[PAGE];
	int i, port, r, pipefd[2], failed = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (!strcmp(argv[i], "--help")) {
			usage(argv[0]);
			return 0;
		} else {
			usage(argv[0]);
			return 2;
		}
	}

	setup();

	say("3. Running the guest.\n");
	port = run_until_port();
	snprintf(buf, sizeof(buf), "'%c'", run->io.size ? *((char *)run + run->io.data_offset) : '?');
	say("   guest: read the first byte the host wrote at %#lx\n", DATA_GPA);
	record("guest reads host-written data", "'h'", buf);

	pfn_before = host_pfn(mem + DATA_GPA);
	port = run_until_port();
	snprintf(buf, sizeof(buf), "%s", port == PORT_PRIVATE ? "private" : "?");
	record("guest's page converted to private", "private", buf);
	say("   VMM:   touching %#lx through the host mapping...\n", DATA_GPA);
	record("host access to the private page", "SIGBUS",
	       host_can_read(mem + DATA_GPA, &c) ? "read it" : "SIGBUS");

	port = run_until_port();
	say("   guest: wrote \"%s\" into the private page\n", SECRET);
	record("host access after the guest's write", "SIGBUS",
	       host_can_read(mem + DATA_GPA, &c) ? "read it" : "SIGBUS");

	say("4. A page held by someone else cannot become private.\n");
	if (pipe(pipefd))
		die("pipe: %s\n", strerror(errno));
	iov.iov_base = mem + PIN_GPA;
	mem[PIN_GPA] = 'p';
	if (vmsplice(pipefd[1], &iov, 1, 0) != PAGE)
		die("vmsplice: %s\n", strerror(errno));
	say("   VMM:   vmsplice()d the page at %#lx into a pipe, which now holds a reference\n", PIN_GPA);
	r = convert(SPARE_GPA, 2 * PAGE, true, &error_offset);
	say("   VMM:   converting [%#lx, %#lx) to private: %s, error_offset %#lx\n",
	    SPARE_GPA, PIN_GPA + PAGE, r == -EAGAIN ? "EAGAIN" : r ? strerror(-r) : "done",
	    (unsigned long)error_offset);
	snprintf(buf, sizeof(buf), "%s at %#lx", r == -EAGAIN ? "EAGAIN" : r ? strerror(-r) : "no error",
		 (unsigned long)error_offset);
	snprintf(pipebuf, sizeof(pipebuf), "EAGAIN at %#lx", PIN_GPA);
	record("conversion with a pinned page", pipebuf, buf);
	say("   VMM:   the unpinned page at %#lx must still be shared...\n", SPARE_GPA);
	record("nothing converted (all or nothing)", "readable",
	       host_can_read(mem + SPARE_GPA, &c) ? "readable" : "SIGBUS");

	if (read(pipefd[0], pipebuf, sizeof(pipebuf)) != PAGE)
		die("read from the pipe: %s\n", strerror(errno));
	close(pipefd[0]);
	close(pipefd[1]);
	r = convert(SPARE_GPA, 2 * PAGE, true, NULL);
	say("   VMM:   drained the pipe; converting [%#lx, %#lx) to private again: %s\n\n",
	    SPARE_GPA, PIN_GPA + PAGE, r ? strerror(-r) : "done");
	record("conversion after the reference is gone", "success", r ? strerror(-r) : "success");
	convert(SPARE_GPA, 2 * PAGE, false, NULL);

	say("5. The guest gives its page back.\n");
	port = run_until_port();
	if (port != PORT_SHARED)
		die("guest stopped at port %#x\n", port);
	if (host_can_read(mem + DATA_GPA, &c))
		snprintf(buf, sizeof(buf), "\"%.*s\"", (int)sizeof(SECRET) - 1, mem + DATA_GPA);
	else
		snprintf(buf, sizeof(buf), "SIGBUS");
	snprintf(pipebuf, sizeof(pipebuf), "\"%s\"", SECRET);
	say("   VMM:   reads through the same mapping: %s\n", buf);
	record("host reads what the guest wrote", pipebuf, buf);

	pfn_after = host_pfn(mem + DATA_GPA);
	say("   VMM:   physical frame of %#lx before: %#llx, after: %#llx (/proc/self/pagemap)\n",
	    DATA_GPA, (unsigned long long)pfn_before, (unsigned long long)pfn_after);
	record("same physical page (no copy)", "same frame",
	       pfn_before && pfn_before == pfn_after ? "same frame" : "different frame");

	say("6. Summary.\n");
	printf("\n%-40s %-22s %-22s\n", "step", "expected", "observed");
	for (i = 0; i < nr_steps; i++) {
		printf("%-40s %-22s %-22s %s\n", steps[i].what, steps[i].expected,
		       steps[i].observed, steps[i].ok ? "\u2714" : "\u2718");
		failed += !steps[i].ok;
	}
	printf("\n%d of %d steps as expected\n", nr_steps - failed, nr_steps);
	return failed ? 1 : 0;
}
