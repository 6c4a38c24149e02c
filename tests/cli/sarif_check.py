#!/usr/bin/env python3
"""Checks a SARIF file against the required fields and enumerations of the
SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that leakdex output uses, plus
the rules GitHub code scanning applies on upload. Exit 0 when valid; prints
the first problems otherwise.

Usage: sarif_check.py FILE [EXPECTED_RESULTS]
"""
import json
import re
import sys

problems = []


def need(cond, what):
    if not cond:
        problems.append(what)
    return cond


def message(m, where):
    if need(isinstance(m, dict), where + ": message must be an object"):
        need(isinstance(m.get("text"), str) or isinstance(m.get("id"), str), where + ": message needs text or id")


def multiformat(m, where):
    if m is not None and need(isinstance(m, dict), where + " must be an object"):
        need(isinstance(m.get("text"), str), where + ".text is required")


def main():
    doc = json.load(open(sys.argv[1], encoding="utf-8"))
    need(doc.get("version") == "2.1.0", "version must be \"2.1.0\"")
    runs = doc.get("runs")
    if not need(isinstance(runs, list) and len(runs) >= 1, "runs must be a non-empty array"):
        return
    results_total = 0
    for ri, run in enumerate(runs):
        w = "runs[%d]" % ri
        tool = run.get("tool")
        if not need(isinstance(tool, dict), w + ".tool is required"):
            continue
        driver = tool.get("driver")
        if not need(isinstance(driver, dict), w + ".tool.driver is required"):
            continue
        need(isinstance(driver.get("name"), str) and driver["name"], w + ".tool.driver.name is required")
        rules = driver.get("rules", [])
        need(isinstance(rules, list), w + ".tool.driver.rules must be an array")
        ids = []
        for i, rule in enumerate(rules):
            rw = "%s.tool.driver.rules[%d]" % (w, i)
            need(isinstance(rule.get("id"), str), rw + ".id is required")
            ids.append(rule.get("id"))
            multiformat(rule.get("shortDescription"), rw + ".shortDescription")
            multiformat(rule.get("fullDescription"), rw + ".fullDescription")
            multiformat(rule.get("help"), rw + ".help")
            level = rule.get("defaultConfiguration", {}).get("level", "warning")
            need(level in ("none", "note", "warning", "error"), rw + ": bad defaultConfiguration.level")
            sev = rule.get("properties", {}).get("security-severity")
            if sev is not None:
                need(re.fullmatch(r"\d+(\.\d+)?", sev) is not None and 0 <= float(sev) <= 10,
                     rw + ": security-severity must be a number string 0..10")
        need(len(ids) == len(set(ids)), w + ": rule ids must be unique")
        for i, inv in enumerate(run.get("invocations", [])):
            need(isinstance(inv.get("executionSuccessful"), bool),
                 "%s.invocations[%d].executionSuccessful is required" % (w, i))
        results = run.get("results")
        if results is None:
            continue
        need(isinstance(results, list), w + ".results must be an array")
        for i, res in enumerate(results):
            results_total += 1
            rw = "%s.results[%d]" % (w, i)
            message(res.get("message"), rw)
            if "ruleId" in res:
                need(res["ruleId"] in ids, rw + ": ruleId names no rule of the driver")
            if "ruleIndex" in res:
                need(isinstance(res["ruleIndex"], int) and 0 <= res["ruleIndex"] < len(rules),
                     rw + ": ruleIndex out of range")
                if "ruleId" in res and 0 <= res.get("ruleIndex", -1) < len(rules):
                    need(rules[res["ruleIndex"]]["id"] == res["ruleId"], rw + ": ruleIndex and ruleId disagree")
            need(res.get("level", "warning") in ("none", "note", "warning", "error"), rw + ": bad level")
            need(res.get("kind", "fail") in ("notApplicable", "pass", "fail", "review", "open", "informational"),
                 rw + ": bad kind")
            if "baselineState" in res:
                need(res["baselineState"] in ("new", "unchanged", "updated", "absent"), rw + ": bad baselineState")
            for k, v in res.get("partialFingerprints", {}).items():
                need(isinstance(v, str), rw + ": partialFingerprints values are strings")
            locs = res.get("locations", [])
            need(isinstance(locs, list) and len(locs) >= 1, rw + ": GitHub needs at least one location")
            for li, loc in enumerate(locs):
                lw = "%s.locations[%d]" % (rw, li)
                pl = loc.get("physicalLocation")
                if pl is not None:
                    need("artifactLocation" in pl or "address" in pl, lw + ": physicalLocation needs artifactLocation")
                    uri = pl.get("artifactLocation", {}).get("uri")
                    need(isinstance(uri, str) and " " not in uri, lw + ": artifactLocation.uri must be a URI reference")
                    region = pl.get("region")
                    if region is not None:
                        need(isinstance(region.get("startLine"), int) and region["startLine"] >= 1,
                             lw + ": region.startLine must be an integer >= 1")
                for ll in loc.get("logicalLocations", []):
                    need(isinstance(ll, dict), lw + ": logicalLocations are objects")
    if len(sys.argv) > 2:
        need(results_total == int(sys.argv[2]), "expected %s results, got %d" % (sys.argv[2], results_total))


main()
for p in problems[:10]:
    print(p)
sys.exit(1 if problems else 0)
