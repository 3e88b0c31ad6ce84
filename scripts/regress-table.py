#!/usr/bin/env python3
"""regress-table.py [--expected FILE] DIR COLUMN...: the table of make check-regress.

Reads each column's ktap-run output (DIR/COLUMN.ktap, the VM's results
port, or else the console log DIR/COLUMN.log), the first column being the
reference (stock). A column whose VM did not finish its job (no "job exit
status" in DIR/COLUMN.log) or whose kernel printed a report (DIR/COLUMN.splat,
written by scripts/splat.sh) fails the run whatever its tests said. A regression is a test that passes in
the reference and does not pass in another column. Writes DIR/table.txt
(also printed): only the rows where the columns differ or the reference
does not pass, then the totals. Exit status 1 if there is a regression.
FILE lists "COLUMN TEST REASON" lines: differences made on purpose, shown
with their reason and not counted as regressions. COLUMN "*" names a test
known to flake in this VM whatever the kernel (a timing test under TCG),
with the evidence in REASON: where it does not pass, in any column, that
is listed with the reason instead of counted as a regression.
"""
import os
import re
import sys

START = re.compile(r"^# (\d+)/(\d+) (\S+)")
RESULT = re.compile(r"^(not )?ok (\d+) (\S+)(?: # (.*))?$")


def read(path):
    """{test: (status, detail, last output lines)} from one console log."""
    tests, out = {}, []
    try:
        log = open(path, errors="replace")
    except OSError:
        return None
    with log:
        for line in log:
            line = line.rstrip("\n")
            if START.match(line):
                out = []
            elif line.startswith("    "):
                out.append(line.strip())
            elif m := RESULT.match(line):
                notok, _, name, directive = m.groups()
                directive = directive or ""
                if notok:
                    status = "TIMEOUT" if "TIMEOUT" in directive else "FAIL"
                elif "SKIP" in directive:
                    status = "SKIP"
                else:
                    status = "PASS"
                tests[name] = (status, directive, out)
    return tests


def health(outdir, col):
    """What went wrong with a column's VM itself: a list of sentences."""
    problems = []
    try:
        with open(f"{outdir}/{col}.log", errors="replace") as f:
            if not any(line.startswith("==== vm: job exit status") for line in f):
                problems.append("the VM did not finish its job (died or killed halfway)")
    except OSError:
        return problems
    try:
        with open(f"{outdir}/{col}.splat", errors="replace") as f:
            report = [line.strip() for line in f if line.strip()]
    except OSError:
        report = []
    if report:
        problems.append(f"the kernel printed {len(report)} report line(s), first: {report[0][:100]}")
    return problems


def reason(out):
    """The line of a test's output that best says why it did not pass."""
    keys = ("Assertion", "SKIP", "skip", "not supported", "Failed", "failed",
            "error", "Error", "Illegal", "Unhandled")
    for line in out:
        if any(k in line for k in keys) and "====" not in line:
            return line[:110]
    return out[-1][:110] if out else "(no output)"


def read_expected(path):
    expected = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                col, test, why = line.split(None, 2)
                expected[(col, test)] = why.strip()
    return expected


def main():
    args = sys.argv[1:]
    expected, expected_file = {}, ""
    if args[:1] == ["--expected"]:
        expected_file = os.path.relpath(args[1])
        expected = read_expected(args[1])
        args = args[2:]
    outdir, cols = args[0], args[1:]

    def why(col, test):
        return expected.get((col, test)) or expected.get(("*", test))

    logs = {c: read(f"{outdir}/{c}.ktap") or read(f"{outdir}/{c}.log") for c in cols}
    sick = [(c, p) for c in cols for p in health(outdir, c)]
    missing = [c for c in cols if logs[c] is None]
    ref = cols[0]
    names = sorted(set().union(*(t.keys() for t in logs.values() if t)))
    width = max([len(n) for n in names] + [10])
    lines = [f"{'test':{width}} " + " ".join(f"{c:>12}" for c in cols)]
    regressions, not_on_stock, on_purpose, new_failing = [], [], [], []
    for name in names:
        row = [logs[c].get(name, ("-",))[0] if logs[c] else "-" for c in cols]
        base = row[0]
        if base == "PASS":
            bad = [c for c, s in zip(cols[1:], row[1:])
                   if s != "PASS" and not why(c, name)]
            regressions += [(name, c) for c in bad]
            on_purpose += [(name, c, why(c, name)) for c, s in zip(cols[1:], row[1:])
                           if s != "PASS" and why(c, name)]
        elif name in logs[ref]:
            not_on_stock.append((name, base, reason(logs[ref][name][2])))
        else:
            # A test the series adds: it must pass (or skip) wherever it runs.
            new_failing += [(name, c) for c, s in zip(cols[1:], row[1:])
                            if s in ("FAIL", "TIMEOUT")]
        if len(set(row)) > 1 or base != "PASS":
            mark = ""
            if any(n == name for n, _ in regressions):
                mark = "  <- REGRESSION"
            elif any(n == name for n, _ in new_failing):
                mark = "  <- NEW TEST FAILS"
            elif any(n == name for n, _, _ in on_purpose):
                mark = "  (on purpose, below)"
            lines.append(f"{name:{width}} " + " ".join(f"{s:>12}" for s in row) + mark)
    lines.append("")
    for c in cols:
        t = logs[c] or {}
        counts = {s: sum(1 for v in t.values() if v[0] == s)
                  for s in ("PASS", "FAIL", "TIMEOUT", "SKIP")}
        lines.append(f"{c:>13}: {len(t)} run, {counts['PASS']} passed, {counts['FAIL']} failed, "
                     f"{counts['TIMEOUT']} timed out, {counts['SKIP']} skipped")
    lines.append(f"(rows: tests that differ between columns or do not pass on {ref}; "
                 f"{len(names)} tests in all)")
    if on_purpose:
        lines += ["", f"differences made on purpose, or known flakes ({expected_file}):"]
        lines += [f"  {n} in {c}: {why}" for n, c, why in on_purpose]
    if not_on_stock:
        lines += ["", f"not passing on {ref} (under TCG), with the reason it gave:"]
        lines += [f"  {n:{width}} {s:8} {r}" for n, s, r in not_on_stock]
    lines.append("")
    if missing:
        lines.append("missing logs: " + ", ".join(missing))
    for c, p in sick:
        lines.append(f"column {c}: {p} (see {c}.log)")
    if new_failing:
        lines.append(f"{len(new_failing)} failure(s) of tests the series adds: " +
                     ", ".join(f"{n} ({c})" for n, c in new_failing))
    if regressions:
        lines.append(f"{len(regressions)} REGRESSION(S): " +
                     ", ".join(f"{n} ({c})" for n, c in regressions))
    else:
        lines.append(f"no regressions: every test that passes on {ref} passes in "
                     + ", ".join(cols[1:]))
    text = "\n".join(lines) + "\n"
    with open(f"{outdir}/table.txt", "w") as f:
        f.write(text)
    print(text, end="")
    return 1 if regressions or new_failing or missing or sick else 0


if __name__ == "__main__":
    sys.exit(main())
