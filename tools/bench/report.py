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

    # name: (values, unit, target, higher_is_better, what)
    metrics = {}

    def metric(key, values, unit, target, what, higher=True):
        metrics[key] = dict(summary(values), unit=unit, target=target,
                            higher_is_better=higher, what=what)

    metric("p1_inplace_vs_copy_x",
           ratio(need(off, f"p1.copy.round.{p1}", "copy"),
                 need(on, f"p1.inplace.round.{p1}", "in-place")),
           "x", 20,
           f"P1 {p1_mib} MiB shared->private->shared: copy path time / in-place ioctl time")
    metric("p1_inplace_refault_vs_copy_x",
           ratio(need(off, f"p1.copy.round.{p1}", "copy"),
                 need(on, f"p1.inplace.refault.{p1}", "in-place")),
           "x", None,
           f"P1 {p1_mib} MiB, in place counting the guest and host re-faulting every page")
    metric("p2_cost_64m_over_4m",
           ratio(need(on, "p2.populated.67108864", "in-place"),
                 need(on, "p2.populated.4194304", "in-place")),
           "x", 16,
           "P2 populated round trip, 64 MiB / 4 MiB (linear = 16)", higher=False)
    metric("p2_unalloc_1g_over_4k",
           ratio(need(on, "p2.unallocated.1073741824", "in-place"),
                 need(on, "p2.unallocated.4096", "in-place")),
           "x", None,
           "P2 never-allocated round trip, 1 GiB / 4 KiB (per range: ~1; per page: 262144)",
           higher=False)
    metric("p2_punched_mapped_1g_over_unalloc_1g",
           ratio(need(on, "p2.punched_mapped.1073741824", "in-place"),
                 need(on, "p2.unallocated.1073741824", "in-place")),
           "x", None,
           "P2 1 GiB freed but still mapped by the host (page tables walked) / never mapped",
           higher=False)
    metric("p2_fragmented_over_uniform_64m",
           ratio(need(on, "p2.fragmented_to_shared.67108864", "in-place"),
                 need(on, "p2.uniform_to_shared.67108864", "in-place")),
           "x", None,
           "P2 64 MiB -> shared from 16384 alternating ranges / from one range",
           higher=False)
    metric("p3_host_fault_gmem_over_memfd",
           ratio(need(on, "p3.gmem", "in-place"), need(on, "p3.memfd", "in-place")),
           "x", 0.9, "P3 host first-touch faults/s, guest_memfd / memfd")
    metric("p4_guest_fault_gmem_over_anon",
           ratio(need(on, "p4.vcpu.gmem_shared", "in-place"),
                 need(on, "p4.vcpu.anon", "in-place")),
           "x", 0.9, "P4 vCPU first-touch pages/s, gmem-only slot (shared) / anonymous slot")
    metric("p4_guest_fault_gmem_private_over_anon",
           ratio(need(on, "p4.vcpu.gmem_private", "in-place"),
                 need(on, "p4.vcpu.anon", "in-place")),
           "x", 0.9, "P4 the same, the guest_memfd private")
    metric("p4_prefault_gmem_over_anon",
           ratio(need(on, "p4.prefault.gmem_shared", "in-place"),
                 need(on, "p4.prefault.anon", "in-place")),
           "x", 0.9, "P4 KVM_PRE_FAULT_MEMORY pages/s, gmem-only slot (shared) / anonymous slot")
    metric("p4_prefault_gmem612_over_anon",
           ratio(need(off, "p4.prefault.gmem_612", "copy"),
                 need(off, "p4.prefault.anon", "copy")),
           "x", None, "P4 KVM_PRE_FAULT_MEMORY the 6.12 way (private gmem, VM attributes), "
           "second boot: what guest_memfd itself costs")
    metric("p4_vcpu_gmem612_over_anon",
           ratio(need(off, "p4.vcpu.gmem_612", "copy"),
                 need(off, "p4.vcpu.anon", "copy")),
           "x", None, "P4 vCPU first touch the 6.12 way, second boot")
    metric("p5_state_bytes_per_range", need(on, "p5.gmem", "in-place"), "bytes",
           None, "P5 slab bytes per distinct range, guest_memfd maple tree, 1 GiB alternating",
           higher=False)
    metric("p5_vm_xarray_bytes_per_range", need(off, "p5.vm_xarray", "copy"), "bytes",
           None, "P5 the same for 6.12's VM-level attribute xarray (parameter off)",
           higher=False)
    metric("boot_drift_memfd_faults",
           ratio(need(off, "p3.memfd", "copy"), need(on, "p3.memfd", "in-place")),
           "x", None, "memfd faults/s, second boot / first boot (P1 pairs the two boots)")

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
