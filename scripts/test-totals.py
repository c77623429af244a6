#!/usr/bin/env python3
"""Sums JUnit XML reports (ctest's and pytest's) into one closing line per suite and a total:
'totals: N passed, N failed, N skipped'. Exits 1 when a test failed or no test ran."""
import sys
import xml.etree.ElementTree as ET


def count(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = failed = skipped = 0
    for suite in suites:
        tests += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0) or suite.get("disabled", 0))
    return tests - failed - skipped, failed, skipped


def main(paths):
    total = [0, 0, 0]
    for path in paths:
        try:
            passed, failed, skipped = count(path)
        except (OSError, ET.ParseError) as error:
            print(f"{path}: unreadable report: {error}")
            total[1] += 1
            continue
        name = path.rsplit("/", 1)[-1].removesuffix(".xml")
        print(f"  {name:<12} {passed} passed, {failed} failed, {skipped} skipped")
        total = [total[0] + passed, total[1] + failed, total[2] + skipped]
    print(f"totals: {total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 1 if total[1] or total[0] == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
