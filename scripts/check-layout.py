#!/usr/bin/env python3
"""Checks the module layout rule (docs/architecture.md) against the imports in Sources/.

Every module belongs to one layer; a module may import modules of its own layer or of a lower one,
as the table says, and never a module of a layer above. Stages do not import each other. Each
`import` of a project module must also be a dependency declared in Package.swift, and each
declared project dependency must be imported somewhere in the module (no unused dependencies).
Exits 1 and lists every violation.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Layers, lowest first. C system libraries (C*) may be imported by any pure library.
PURE = {"Timing", "TextFormats", "Imaging", "Parallelism", "ModelFormat", "NeuralNetwork", "Training", "FaceDetection",
        "EmotionClassification",
        "Results", "Analysis", "Evaluation", "SQLite", "ResultDatabase", "Processes", "PipelineProtocol"}
INFRASTRUCTURE = {"Messaging", "Observability", "CommandLineSupport", "StageOptions"}
STAGES = {"Ingest", "DetectorStage", "ClassifierStage", "Recorder", "Web", "Supervisor"}
BENCHMARKS = {"Benchmarks"}
EXECUTABLES = {"moodwire", "moodwire-broker", "moodwire-ingest", "moodwire-detector", "moodwire-classifier",
               "moodwire-recorder", "moodwire-web"}

# Modules only the `moodwire` executable (and Benchmarks, for Supervisor) may import.
TOP_ONLY = {"Benchmarks": {"moodwire"}, "Supervisor": {"moodwire", "Benchmarks"}}


def layer(module):
    for rank, members in enumerate([PURE, INFRASTRUCTURE, STAGES, BENCHMARKS, EXECUTABLES]):
        if module in members:
            return rank
    return None


def allowed(importer, imported):
    """None when `importer` may import `imported`, else why not."""
    if imported.startswith("C") and imported[1:2].isupper():
        return None if importer in PURE or importer == "Messaging" else "C libraries belong to the pure library that wraps them"
    if imported in TOP_ONLY and importer not in TOP_ONLY[imported]:
        return f"only {', '.join(sorted(TOP_ONLY[imported]))} may import {imported}"
    a, b = layer(importer), layer(imported)
    if a is None or b is None:
        return f"{importer if a is None else imported} is in no layer of scripts/check-layout.py"
    if b > a:
        return "a lower layer may not import a higher one"
    if importer in STAGES and imported in STAGES and importer != imported:
        return "stages do not import each other"
    if importer in PURE and imported in INFRASTRUCTURE:
        return "pure libraries know nothing of ZeroMQ, HTTP or the command line"
    return None


def module_sources():
    sources = ROOT / "Sources"
    for folder in sorted(sources.iterdir()):
        if folder.name == "Executables":
            for executable in sorted(folder.iterdir()):
                yield executable.name, executable
        elif folder.is_dir() and not (folder.name.startswith("C") and folder.name[1:2].isupper()):
            yield folder.name, folder


def declared_dependencies():
    text = (ROOT / "Package.swift").read_text()
    declared = {}
    for match in re.finditer(r'\.(?:executableTarget|target)\(\s*name:\s*"([^"]+)"(.*?)\)\s*,\s*(?=\n\s*(?:\.|//|\]))', text, re.S):
        name, body = match.group(1), match.group(2)
        deps = re.search(r'dependencies:\s*\[(.*?)\]', body, re.S)
        declared[name] = set(re.findall(r'"([A-Za-z][\w-]*)"', deps.group(1))) if deps else set()
    return declared


def main():
    modules = dict(module_sources())
    project = set(modules)
    declared = declared_dependencies()
    problems = []
    for module, folder in modules.items():
        imports = {}
        for path in sorted(folder.rglob("*.swift")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                found = re.match(r'^\s*(?:@testable\s+|@_exported\s+)?import\s+(\w+)', line)
                if found and (found.group(1) in project or re.match(r'C[A-Z]', found.group(1))):
                    imports.setdefault(found.group(1), f"{path.relative_to(ROOT)}:{number}")
        for imported, where in sorted(imports.items()):
            if imported == module:
                continue
            reason = allowed(module, imported)
            if reason:
                problems.append(f"{where}: {module} imports {imported}: {reason}")
            if module in declared and imported not in declared[module]:
                problems.append(f"{where}: {module} imports {imported}, which Package.swift does not declare")
        if module not in declared:
            problems.append(f"Sources/{module}: no target in Package.swift")
            continue
        for dependency in sorted(declared[module]):
            local = dependency in project or re.match(r'C[A-Z]', dependency)
            if local and dependency not in imports:
                problems.append(f"Package.swift: {module} declares {dependency} but never imports it")
    for problem in problems:
        print(problem)
    print(f"layout: {len(modules)} modules, {len(problems)} problem{'s' if len(problems) != 1 else ''}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
