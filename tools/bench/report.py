#!/usr/bin/env python3
"""Turn the two boots of 'make bench' into results.json, a table and plot data.

usage: report.py [--machine TEXT] [--kernel TEXT] INPLACE.log COPY.log OUTDIR

Each log holds the "RESULT <name> <unit> <value per repetition...>" lines
gmem-bench printed in one boot: INPLACE.log with in-place conversion on,
COPY.log with it off (P1's copy path). A ratio is taken per repetition
(repetition i of one side against repetition i of the other) and reported
as median, min and max. Writes OUTDIR/results.json, OUTDIR/table.txt
(also printed) and OUTDIR/conversion.dat for tools/bench/conversion.gp.
"""
import argparse
import datetime
import json
import statistics
import sys


def read_results(path):
    results = {}
    with open(path, errors="replace") as log:
        for line in log:
            fields = line.split()
            if len(fields) >= 4 and fields[0] == "RESULT":
                results[fields[1]] = (fields[2], [float(v) for v in fields[3:]])
    if not results:
        sys.exit(f"error: {path} has no RESULT lines: did gmem-bench run?")
    return results


def summary(values):
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "n": len(values)}


def need(results, name, where):
    if name not in results:
        sys.exit(f"error: the {where} boot did not measure {name}")
    return results[name][1]


def ratio(num, den):
    """Per-repetition ratios num[i] / den[i]."""
    n = min(len(num), len(den))
    return [num[i] / den[i] for i in range(n)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--machine", default="")
    ap.add_argument("--kernel", default="")
    ap.add_argument("inplace")
    ap.add_argument("copy")
    ap.add_argument("outdir")
    args = ap.parse_args()

    on = read_results(args.inplace)
    off = read_results(args.copy)

    sizes = sorted(int(k.rsplit(".", 1)[1]) for k in on
                   if k.startswith("p1.inplace.round."))
    p1 = max(s for s in sizes if f"p1.copy.round.{s}" in off)
    p1_mib = p1 >> 20

    boots = {"on": (on, "in-place"), "off": (off, "copy")}

    def values(ref):
        """'on:NAME' or 'off:NAME': the values one boot measured."""
        boot, name = ref.split(":", 1)
        results, where = boots[boot]
        return need(results, name, where)

    # key: numerator, denominator (None: the values themselves), unit,
    # target (None: none), higher is better, what it is.
    specs = [
        ("p1_inplace_vs_copy_x", f"off:p1.copy.round.{p1}", f"on:p1.inplace.round.{p1}",
         "x", 20, True,
         f"P1 {p1_mib} MiB shared->private->shared: copy path time / in-place ioctl time"),
        ("p1_inplace_refault_vs_copy_x", f"off:p1.copy.round.{p1}",
         f"on:p1.inplace.refault.{p1}", "x", None, True,
         f"P1 {p1_mib} MiB, in place counting the guest and host re-faulting every page"),
        ("p2_cost_64m_over_4m", "on:p2.populated.67108864", "on:p2.populated.4194304",
         "x", 16, False, "P2 populated round trip, 64 MiB / 4 MiB (linear = 16)"),
        ("p2_unalloc_1g_over_4k", "on:p2.unallocated.1073741824", "on:p2.unallocated.4096",
         "x", None, False,
         "P2 never-allocated round trip, 1 GiB / 4 KiB (per range: ~1; per page: 262144)"),
        ("p2_punched_mapped_1g_over_unalloc_1g", "on:p2.punched_mapped.1073741824",
         "on:p2.unallocated.1073741824", "x", None, False,
         "P2 1 GiB freed but still mapped by the host (page tables walked) / never mapped"),
        ("p2_fragmented_over_uniform_64m", "on:p2.fragmented_to_shared.67108864",
         "on:p2.uniform_to_shared.67108864", "x", None, False,
         "P2 64 MiB -> shared from 16384 alternating ranges / from one range"),
        ("p3_host_fault_gmem_over_memfd", "on:p3.gmem", "on:p3.memfd", "x", 0.9, True,
         "P3 host first-touch faults/s, guest_memfd / memfd"),
        ("p4_guest_fault_gmem_over_anon", "on:p4.vcpu.gmem_shared", "on:p4.vcpu.anon",
         "x", 0.9, True, "P4 vCPU first-touch pages/s, gmem-only slot (shared) / anonymous slot"),
        ("p4_guest_fault_gmem_private_over_anon", "on:p4.vcpu.gmem_private", "on:p4.vcpu.anon",
         "x", 0.9, True, "P4 the same, the guest_memfd private"),
        ("p4_prefault_gmem_over_anon", "on:p4.prefault.gmem_shared", "on:p4.prefault.anon",
         "x", 0.9, True,
         "P4 KVM_PRE_FAULT_MEMORY pages/s, gmem-only slot (shared) / anonymous slot"),
        ("p4_prefault_gmem612_over_anon", "off:p4.prefault.gmem_612", "off:p4.prefault.anon",
         "x", None, True, "P4 KVM_PRE_FAULT_MEMORY the 6.12 way (private gmem, VM "
         "attributes), second boot: what guest_memfd itself costs"),
        ("p4_vcpu_gmem612_over_anon", "off:p4.vcpu.gmem_612", "off:p4.vcpu.anon",
         "x", None, True, "P4 vCPU first touch the 6.12 way, second boot"),
        ("p6_vcpu_bind_over_none", "on:p6.vcpu.bind", "on:p6.vcpu.none", "x", None, True,
         "P6 vCPU first-touch pages/s, guest_memfd bound to node 0 by mbind() / no policy"),
        ("p6_vcpu_interleave_over_none", "on:p6.vcpu.interleave", "on:p6.vcpu.none",
         "x", None, True, "P6 the same, interleaved over nodes 0 and 1 / no policy"),
        ("p6_prefault_bind_over_none", "on:p6.prefault.bind", "on:p6.prefault.none",
         "x", None, True, "P6 KVM_PRE_FAULT_MEMORY pages/s, bound to node 0 / no policy"),
        ("p5_state_bytes_per_range", "on:p5.gmem", None, "bytes", None, False,
         "P5 slab bytes per distinct range, guest_memfd maple tree, 1 GiB alternating"),
        ("p5_vm_xarray_bytes_per_range", "off:p5.vm_xarray", None, "bytes", None, False,
         "P5 the same for 6.12's VM-level attribute xarray (parameter off)"),
        ("boot_drift_memfd_faults", "off:p3.memfd", "on:p3.memfd", "x", None, True,
         "memfd faults/s, second boot / first boot (P1 pairs the two boots)"),
    ]
    # P7, huge folios: only where the in-place boot measured it (a kernel
    # with kvm.gmem_huge). Its P1 with re-faults pairs with the copy path
    # of the other boot at the same size, as P1 does.
    def p7_size(prefix):
        return max((int(k.rsplit(".", 1)[1]) for k in on if k.startswith(prefix)),
                   default=None)

    p7_fault = p7_size("p7.prefault.gmem_huge.")
    p7_p1 = p7_size("p7.inplace.refault.gmem_huge.")
    p7_note = None
    if p7_fault is None:
        p7_note = ("P7 (huge folios): not measured (a kernel without kvm.gmem_huge, "
                   "or -p left it out)")
    else:
        f = p7_fault
        fl = f"{f >> 30} GiB" if f >= 1 << 30 else f"{f >> 20} MiB"
        specs += [
            ("p7_prefault_huge_over_anon_thp", f"on:p7.prefault.gmem_huge.{f}",
             f"on:p7.prefault.anon_thp.{f}", "x", 2, True,
             f"P7 KVM_PRE_FAULT_MEMORY pages/s, {fl}: guest_memfd huge folios / anonymous "
             "THP (use_zero_page=0: allocated, as guest_memfd's)"),
            ("p7_prefault_huge_over_anon_zeropage", f"on:p7.prefault.gmem_huge.{f}",
             f"on:p7.prefault.anon_thp_zeropage.{f}", "x", None, True,
             "P7 the same / anonymous THP as set by default: a read fault maps the huge "
             "zero page, allocating nothing"),
            ("p7_prefault_huge_over_fallocate", f"on:p7.prefault.gmem_huge.{f}",
             f"on:p7.fallocate.gmem_huge.{f}", "x", None, True,
             "P7 the same / fallocate() of a huge-folio guest_memfd (allocates only: "
             "guest_memfd zeroes on first use): what allocation is of a pre-fault"),
            ("p7_fallocate_huge_over_4k", f"on:p7.fallocate.gmem_huge.{f}",
             f"on:p7.fallocate.gmem_4k.{f}", "x", None, True,
             "P7 fallocate() pages/s, huge folios / 4 KiB folios"),
            ("p7_prefault_huge_over_4k", f"on:p7.prefault.gmem_huge.{f}",
             f"on:p7.prefault.gmem_4k.{f}", "x", None, True,
             "P7 the same, guest_memfd huge folios / 4 KiB folios"),
            ("p7_vcpu_huge_over_4k", f"on:p7.vcpu.gmem_huge.{f}", f"on:p7.vcpu.gmem_4k.{f}",
             "x", 1.5, True,
             f"P7 vCPU first touch of every page pages/s, {fl}: huge folios / 4 KiB folios"),
            ("p7_vcpu_huge_over_anon_thp", f"on:p7.vcpu.gmem_huge.{f}",
             f"on:p7.vcpu.anon_thp.{f}", "x", None, True,
             "P7 the same, guest_memfd huge folios / anonymous THP"),
            ("p7_convert_2m_4k_over_huge", "on:p7.convert.gmem_4k.2097152",
             "on:p7.convert.gmem_huge.2097152", "x", 1, True,
             "P7 populated 2 MiB shared->private->shared: 4 KiB folios' time / huge "
             "folios' (aligned: no split)"),
            ("p7_convert_64m_4k_over_huge", "on:p7.convert.gmem_4k.67108864",
             "on:p7.convert.gmem_huge.67108864", "x", 1, True, "P7 the same, 64 MiB"),
            ("p7_split_us", "on:p7.split.gmem_huge", None, "us", None, False,
             "P7 4 KiB -> private inside an allocated, never mapped huge folio "
             "(splitting it), microseconds"),
            ("p7_split_huge_over_4k", "on:p7.split.gmem_huge", "on:p7.split.gmem_4k",
             "x", None, False, "P7 the same / the same conversion with 4 KiB folios"),
            ("p7_memory_huge_over_4k", "on:p7.memory.gmem_huge", "on:p7.memory.gmem_4k",
             "x", None, False, "P7 page cache for one 4 KiB page touched per 2 MiB of "
             "64 MiB, huge / 4 KiB folios (512 expected)"),
        ]
    if p7_p1 is not None:
        pl = f"{p7_p1 >> 20} MiB"
        specs.append(
            ("p7_refault_4k_over_huge", f"on:p7.inplace.refault.gmem_4k.{p7_p1}",
             f"on:p7.inplace.refault.gmem_huge.{p7_p1}", "x", None, True,
             f"P7 P1 {pl} in place counting re-faults: 4 KiB folios' time / huge folios'"))
        if f"p1.copy.round.{p7_p1}" in off:
            specs.append(
                ("p7_refault_huge_vs_copy_x", f"off:p1.copy.round.{p7_p1}",
                 f"on:p7.inplace.refault.gmem_huge.{p7_p1}", "x", 10, True,
                 f"P7 P1 {pl}: copy path time / in place with huge folios counting re-faults"))

    metrics = {}
    for key, num, den, unit, target, higher, what in specs:
        v = values(num) if den is None else ratio(values(num), values(den))
        metrics[key] = dict(summary(v), unit=unit, target=target,
                            higher_is_better=higher, what=what)

    doc = {
        "date": datetime.date.today().isoformat(),
        "machine": args.machine,
        "kernel": args.kernel,
        "note": "ratios of times measured in one 'make bench' run under QEMU TCG; "
                "P1 pairs a boot with kvm.gmem_in_place_conversion=1 (in place) "
                "with one with =0 (copy path)",
    }
    doc.update(metrics)
    doc["raw"] = {"inplace_boot": {k: {"unit": u, "values": v} for k, (u, v) in on.items()},
                  "copy_boot": {k: {"unit": u, "values": v} for k, (u, v) in off.items()}}
    with open(f"{args.outdir}/results.json", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")

    lines = [f"make bench, {doc['date']}: {args.machine}",
             f"kernel {args.kernel}; median (min..max) of per-repetition ratios",
             "",
             f"{'key':38} {'median':>9} {'min..max':>19}  target  what"]
    for key, m in metrics.items():
        if m["target"] is None:
            verdict = "      -"
        else:
            ok = m["median"] >= m["target"] if m["higher_is_better"] else m["median"] <= m["target"]
            verdict = f"{'>=' if m['higher_is_better'] else '<='}{m['target']:<4g}{' ok' if ok else ' MISS'}"
        lines.append(f"{key:38} {m['median']:9.4g} {m['min']:9.4g}..{m['max']:<9.4g} "
                     f"{verdict:10} {m['what']}")
    if p7_note:
        lines.append(p7_note)

    lines += ["", "conversion round trip (shared -> private -> shared), median of repetitions:",
              f"{'size':>8} {'in place':>12} {'+ re-faults':>12} {'copy path':>12} "
              f"{'never alloc.':>12} {'copy/in place':>14}"]
    with open(f"{args.outdir}/conversion.dat", "w") as dat:
        dat.write("# bytes in_place_us in_place_refault_us copy_us unallocated_us\n")
        all_sizes = sorted(set(sizes) | {int(k.rsplit(".", 1)[1]) for k in on
                                          if k.startswith("p2.populated.")})
        for s in all_sizes:
            def med(results, name):
                return statistics.median(results[name][1]) if name in results else None
            row = [med(on, f"p1.inplace.round.{s}") or med(on, f"p2.populated.{s}"),
                   med(on, f"p1.inplace.refault.{s}"),
                   med(off, f"p1.copy.round.{s}"),
                   med(on, f"p2.unallocated.{s}")]
            dat.write(f"{s} " + " ".join("?" if v is None else f"{v:.6g}" for v in row) + "\n")
            label = f"{s >> 30}G" if s >= 1 << 30 else f"{s >> 20}M" if s >= 1 << 20 else f"{s >> 10}K"
            cells = ["-" if v is None else f"{v:.4g} us" for v in row]
            x = f"{row[2] / row[0]:.1f}x" if row[0] and row[2] else "-"
            lines.append(f"{label:>8} {cells[0]:>12} {cells[1]:>12} {cells[2]:>12} {cells[3]:>12} {x:>14}")

    table = "\n".join(lines) + "\n"
    with open(f"{args.outdir}/table.txt", "w") as f:
        f.write(table)
    print(table, end="")


if __name__ == "__main__":
    main()
