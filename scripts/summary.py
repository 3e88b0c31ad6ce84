#!/usr/bin/env python3
"""summary.py KUNIT_DIR RESULTS [PARSE_LOG]: count the results of a KTAP
document with the kernel's own KTAP parser (tools/testing/kunit), every
subtest at every level of nesting, and print the failures, the skips and
"N passed, N failed, N skipped".

A failure is a test that said "not ok", a program whose own result is
"not ok" although every subtest it printed passed (it crashed or timed out
after them), and anything the parser could not reconcile: a plan and its
results that disagree, a missing result line, a document with no results.
Exit status 1 when anything failed or nothing passed.
"""
import sys


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.split('\n\n', 1)[0])
    sys.path.insert(0, sys.argv[1])
    try:
        import kunit_parser
    except ImportError as e:
        sys.exit(f'error: cannot load the KTAP parser from {sys.argv[1]}: {e}')
    from kunit_parser import TestStatus

    # The parser reports what it cannot reconcile through add_error(); keep
    # each message with its test.
    errors = []
    orig_add_error = kunit_parser.Test.add_error

    def add_error(test, message):
        errors.append((test, message))
        orig_add_error(test, message)
    kunit_parser.Test.add_error = add_error

    with open(sys.argv[2], errors='replace') as f:
        lines = [line.replace('\r', '') for line in f]
    parse_log = sys.argv[3] if len(sys.argv) == 4 else '/dev/null'
    with open(parse_log, 'w') as log:
        kunit_parser.stdout._output = log
        kunit_parser.stdout._use_color = False
        try:
            main_test = kunit_parser.parse_run_tests(lines)
        except ValueError as e:  # the parser gives up on some broken input
            print(f'\nfailed:\n  (document): the KTAP parser gave up: {e}\n')
            print('0 passed, 1 failed, 0 skipped')
            sys.exit(1)

    passed, failed, skipped = [], [], []
    parents = {}

    def walk(test, path):
        name = test.name.strip() or '(unnamed)'
        here = path + [name] if test is not main_test else path
        for sub in test.subtests:
            parents[id(sub)] = test
            walk(sub, here)
        label = ': '.join(here) or '(document)'
        if test is main_test and not test.subtests:
            return  # an empty document: the parser's error counts
        if test.subtests:
            if test is main_test:
                return
            own_bad = test.status in (TestStatus.FAILURE, TestStatus.TEST_CRASHED)
            if own_bad and not any(label_under(f, label) for f in failed):
                failed.append(f'{label} (its own result: not ok)')
            return
        if test.status == TestStatus.TEST_CRASHED and not test.name:
            return  # the parser's stand-in for a missing subtest: its error counts
        if test.status == TestStatus.SUCCESS:
            passed.append(label)
        elif test.status == TestStatus.SKIPPED:
            skipped.append(label)
        elif test.status == TestStatus.NO_TESTS and test is main_test:
            pass  # reported below, as the parser's error
        else:
            failed.append(label)

    def label_under(entry, label):
        return entry == label or entry.startswith(label + ': ')

    walk(main_test, [])
    for test, message in errors:
        # A skipped program legitimately prints a plan of no tests.
        if message == '0 tests run!' and test.status == TestStatus.SKIPPED:
            continue
        path, t = [], test
        while t is not None and t is not main_test:
            path.insert(0, t.name.strip() or '(unnamed)')
            t = parents.get(id(t))
        failed.append(f"{': '.join(path) or '(document)'}: KTAP error: {message}")

    if failed:
        print('\nfailed:')
        for f in failed:
            print(f'  {f}')
    if skipped:
        print('\nskipped:')
        for s in skipped:
            print(f'  {s}')
    print(f'\n{len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped')
    sys.exit(1 if failed or not passed else 0)


if __name__ == '__main__':
    main()
