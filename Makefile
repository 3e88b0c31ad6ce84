# guest_memfd mmap + in-place conversion for Linux 6.12 — the single entry point.
# 'make help' lists the targets; README.md explains them.

SHELL := /bin/bash
S := scripts
export BASE ARCHS DEBUG SUITES DEBUG_TIMEOUT_FACTOR KCMDLINE KCONFIG_EXTRA DEMO_ARGS BENCH_ARGS MUTANTS LINT_FROM

.PHONY: help deps base tree export export-check kernel selftests check run caps \
	vm-run shell lint apply-check bench check-regress check-maple mutants clean distclean

help:
	@echo "make run            boot the patched kernel and run the demo VMM (DEMO_ARGS=--quiet: table only)"
	@echo "make caps           boot the patched kernel and print its guest_memfd capabilities"
	@echo "make check          build everything, run all tests, print 'N passed, N failed, N skipped'"
	@echo "make check ARCHS=arm64   one architecture only (ARCHS='x86 arm64' by default; also for kernel, vm-run, shell)"
	@echo "make check DEBUG=1  the same on a lockdep/KASAN/kmemleak kernel (build/kbuild-debug; timeouts x4)"
	@echo "make check SUITES='kvm kvm-huge'   only the boots named (x86: kvm, kvm-conversion-off, kvm-huge, kvm-shadow-paging, kvm-legacy-mmu; arm64: arm64-kvm, arm64-kvm-huge, arm64-nvhe)"
	@echo "make check-regress  the whole KVM selftest suite on stock 6.12 and the series: regression table (x86; ARCHS=arm64: arm64)"
	@echo "make check-maple    boot a kernel that runs lib/test_maple_tree.c (the maple_tree fix's reproducer)"
	@echo "make mutants       mutation testing: each tests/mutants/*.patch is a kernel bug the tests must catch (MUTANTS='01 07')"
	@echo "make bench          conversion and fault-path benchmark: table, build/bench/results.json, plot"
	@echo "make vm-run RUN='/abs/prog args' [KCMDLINE=...]   run a program in the test VM"
	@echo "make shell          interactive shell in the test VM"
	@echo "make tree           make the kernel work tree build/tree (base + series as commits)"
	@echo "make export         write the work tree's series back to patches/"
	@echo "make export-check   fail if patches/ and the work tree disagree"
	@echo "make kernel         build the test kernel (build/kbuild)"
	@echo "make lint           checkpatch --strict on every patch; every prefix of the series builds, for x86 and arm64 (LINT_FROM=N: from patch N)"
	@echo "make apply-check BASE=<version>   does the series apply to another 6.12.y apt offers?"
	@echo "make deps | base | clean | distclean"

deps:
	@$(S)/deps.sh
base: deps
	@$(S)/base.sh >/dev/null
tree: deps
	@$(S)/tree.sh
export:
	@$(S)/export.sh
export-check:
	@$(S)/export-check.sh
kernel: deps
	@$(S)/tree.sh --ensure && $(S)/kernel.sh
selftests: kernel
	@if [ "$${ARCHS:-x86}" = arm64 ]; then $(S)/selftests.sh tests/kvm-selftests-arm64.list; \
	else $(S)/selftests.sh tests/kvm-selftests.list; fi
check:
	@$(S)/check.sh
run:
	@$(S)/run.sh
caps:
	@$(S)/run.sh caps
check-regress:
	@$(S)/regress.sh
check-maple:
	@KCONFIG_EXTRA=kernel/maple-test.config $(S)/maple.sh
bench:
	@$(S)/bench.sh
mutants:
	@$(S)/mutants.sh
vm-run:
	@if [ -z "$(RUN)" ]; then echo "usage: make vm-run RUN='/abs/path/prog [args]' [KCMDLINE='...']" >&2; exit 2; fi
	@$(S)/tree.sh --ensure && $(S)/vmrun.sh '$(subst ','\'',$(RUN))'
shell:
	@$(S)/tree.sh --ensure && $(S)/vmrun.sh -i
lint: deps
	@$(S)/lint.sh
apply-check: deps
	@$(S)/apply-check.sh
clean:
	rm -rf build/kbuild build/kbuild-* build/out build/out-* build/lint/kbuild build/lint/kbuild-* build/logs build/logs-* build/mutants build/results.*
distclean:
	@$(S)/export-check.sh && rm -rf build

.DEFAULT:
	@echo "error: unknown target '$@'; 'make help' lists the targets" >&2; exit 2
