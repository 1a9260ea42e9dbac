#!/usr/bin/env python3
"""Reads the TRX files `dotnet test --logger trx` wrote and answers test.sh's questions about them.

  trx_results.py counts DIR            prints "PASSED FAILED" summed over DIR/*.trx
  trx_results.py failed DIR            prints one line per failed test case: "ASSEMBLY<TAB>CLASS.METHOD<TAB>DISPLAY NAME";
                                       exits 1 when a run was aborted (a test host that crashed leaves tests unrun)
  trx_results.py passed DIR            prints the display name of every passed test case
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def files(directory):
    return sorted(glob.glob(os.path.join(directory, "*.trx")))


def counts(directory):
    passed = failed = 0
    for path in files(directory):
        counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", NS)
        if counters is not None:
            passed += int(counters.get("passed", "0"))
            failed += int(counters.get("failed", "0"))
    print(passed, failed)


def aborted(root):
    summary = root.find("t:ResultSummary", NS)
    if summary is None or summary.get("outcome") not in ("Completed", "Failed", "Passed"):
        return True
    return any("abort" in (text.text or "").lower() for text in summary.iterfind("t:RunInfos/t:RunInfo/t:Text", NS))


def passed(directory):
    for path in files(directory):
        for result in ET.parse(path).getroot().iterfind("t:Results/t:UnitTestResult", NS):
            if result.get("outcome") == "Passed":
                print(result.get("testName"))


def failed(directory):
    whole = True
    for path in files(directory):
        root = ET.parse(path).getroot()
        if aborted(root):
            whole = False
        methods = {}
        for test in root.iterfind("t:TestDefinitions/t:UnitTest", NS):
            method = test.find("t:TestMethod", NS)
            if method is not None:
                methods[test.get("id")] = (method.get("codeBase"), method.get("className") + "." + method.get("name"))
        for result in root.iterfind("t:Results/t:UnitTestResult", NS):
            if result.get("outcome") == "Failed" and result.get("testId") in methods:
                assembly, name = methods[result.get("testId")]
                print(f"{assembly}\t{name}\t{result.get('testName')}")
    sys.exit(0 if whole else 1)


if __name__ == "__main__":
    {"counts": counts, "failed": failed, "passed": passed}[sys.argv[1]](sys.argv[2])
