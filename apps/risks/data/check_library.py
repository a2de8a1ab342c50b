#!/usr/bin/env python3
"""Validate the risk library and the framework catalogue shipped in this folder.

Usage:  python3 apps/risks/data/check_library.py [--quiet]

Loads ``framework_references.yaml`` and ``risk_library.yaml`` (both next to this
script), checks their structure and cross-references, prints coverage counts and
exits with status 1 on any violation or on missing required coverage, 0 otherwise.

Standalone on purpose: it needs only Python 3 and PyYAML, not Django, so that it
can run in CI or by hand before the data is loaded into the database.
"""

import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the environment
    sys.exit("PyYAML is required: pip install pyyaml")

HERE = Path(__file__).resolve().parent
FRAMEWORKS_FILE = HERE / "framework_references.yaml"
LIBRARY_FILE = HERE / "risk_library.yaml"

FRAMEWORKS = {
    "nist_ai_rmf": "NIST AI RMF 1.0",
    "nist_ai_600_1": "NIST AI 600-1",
    "eu_ai_act": "EU AI Act",
    "owasp_llm": "OWASP LLM Top 10 2025",
    "mitre_atlas": "MITRE ATLAS",
    "iso_42001": "ISO/IEC 42001 Annex A",
}

TAXONOMY = {
    "model-error": [
        "hallucination",
        "omission",
        "unexpected-preferences",
        "misinterpreted-data",
        "garbage-in-garbage-out",
        "drift",
    ],
    "security": [
        "prompt-injection",
        "data-poisoning",
        "model-theft",
        "adversarial-examples",
        "supply-chain",
    ],
    "privacy": ["data-leakage", "re-identification", "vendor-training"],
    "fairness": ["bias-discrimination"],
    "misuse": ["user-misuse", "dual-use"],
    "human-factors": ["automation-bias", "inexperienced-operators"],
    "operational": ["outage", "latency", "scaling", "maintenance"],
    "compliance": [
        "regulatory-violation",
        "brand-damage",
        "misinformation",
        "workforce-impact",
    ],
}

AI_KINDS = {
    "generative",
    "classification",
    "recommendation",
    "vision",
    "forecasting",
    "agent",
    "other",
}
MITIGATION_KINDS = {
    "architecture",
    "fallback",
    "detection_response",
    "human_review",
    "input_validation",
    "output_validation",
    "access_control",
    "training",
    "process_policy",
    "accept_monitor",
}
LAYERS = {"input", "model", "application", "organisation"}

TEMPLATE_FIELDS = {
    "key",
    "title",
    "category",
    "ai_kinds",
    "scenario",
    "inherent_likelihood",
    "inherent_impact",
    "framework_refs",
    "mitigations",
}
MITIGATION_FIELDS = {"title", "kind", "layer", "description"}
REFERENCE_FIELDS = {"framework", "code", "title"}

KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NIST_CATEGORY_RE = re.compile(r"^(GOVERN|MAP|MEASURE|MANAGE) \d+$")
NIST_SUBCATEGORY_RE = re.compile(r"^(GOVERN|MAP|MEASURE|MANAGE) \d+\.\d+$")
ATLAS_TECHNIQUE_RE = re.compile(r"^AML\.T\d{4}$")
ATLAS_TACTIC_RE = re.compile(r"^AML\.TA\d{4}$")

# Required shape of the catalogue (from shared/reference/frameworks.md).
EXPECTED_CATALOGUE = {
    "NIST AI RMF categories": 19,
    "NIST AI RMF subcategories": 72,
    "NIST AI 600-1 risks": 12,
    "OWASP LLM items": 10,
    "ISO/IEC 42001 objectives": 9,
    "EU AI Act Art. 5(1) points": 8,
    "EU AI Act Annex III areas": 8,
}

# Required coverage of the library.
MIN_TEMPLATES = 64
MIN_ATLAS_TECHNIQUES = 15
MIN_REFS, MAX_REFS = 2, 6
MIN_MITIGATIONS, MAX_MITIGATIONS = 2, 4
MIN_SCENARIO_CHARS = 200
MIN_MITIGATION_DESCRIPTION_CHARS = 60
REQUIRED_EU_ARTICLES = ["Art. 14", "Art. 26", "Art. 27", "Art. 50", "Art. 73"]
REQUIRED_AI_KINDS = [
    "generative",
    "classification",
    "recommendation",
    "vision",
    "forecasting",
    "agent",
]

# The library is written in British English; flag common American spellings.
AMERICAN_SPELLINGS = re.compile(
    r"\b(organization|organizations|organizational|behavior|behaviors|"
    r"behavioral|optimize|optimized|optimizes|optimizing|analyze|analyzed|"
    r"analyzes|analyzing|prioritize|prioritized|summarize|summarized|"
    r"summarizes|summarizer|summarizing|recognize|recognized|minimize|"
    r"minimized|anonymize|anonymized|catalog|catalogs|color|center|centers|"
    r"favor|favors|favorable|labeled|labeling|modeled|modeling|penalize|"
    r"penalized|criticize|standardize|standardized|authorize|authorized|"
    r"unauthorized|sanitize|sanitized|sanitizing|normalize|normalized|"
    r"utilize|utilized|defense)\b",
    re.IGNORECASE,
)


class Checker:
    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, msg):
        self.errors.append(msg)

    def warn(self, msg):
        self.warnings.append(msg)


def load_yaml(path, checker):
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except FileNotFoundError:
        checker.error(f"{path.name}: file not found")
        return None
    except yaml.YAMLError as exc:
        checker.error(f"{path.name}: YAML does not parse: {exc}")
        return None
    if not isinstance(data, list):
        checker.error(f"{path.name}: top level must be a list")
        return None
    return data


def nonempty_str(value):
    return isinstance(value, str) and value.strip() != ""


def check_references(refs, c):
    """Return {code: framework} for the catalogue."""
    by_code = {}
    for i, entry in enumerate(refs):
        where = f"framework_references.yaml[{i}]"
        if not isinstance(entry, dict):
            c.error(f"{where}: entry must be a mapping")
            continue
        extra = set(entry) - REFERENCE_FIELDS
        missing = REFERENCE_FIELDS - set(entry)
        if extra:
            c.error(f"{where}: unknown field(s) {sorted(extra)}")
        if missing:
            c.error(f"{where}: missing field(s) {sorted(missing)}")
        fw, code, title = entry.get("framework"), entry.get("code"), entry.get("title")
        if fw not in FRAMEWORKS:
            c.error(f"{where}: unknown framework {fw!r}")
        if not nonempty_str(code):
            c.error(f"{where}: code must be a non-empty string")
            continue
        if code != code.strip():
            c.error(f"{where}: code {code!r} has surrounding whitespace")
        if not nonempty_str(title):
            c.error(f"{where}: {code}: title must be a non-empty string")
        if code in by_code:
            c.error(f"{where}: duplicate code {code!r}")
        by_code[code] = fw

    counts = {
        "NIST AI RMF categories": sum(
            1 for k, f in by_code.items() if f == "nist_ai_rmf" and NIST_CATEGORY_RE.match(k)
        ),
        "NIST AI RMF subcategories": sum(
            1 for k, f in by_code.items() if f == "nist_ai_rmf" and NIST_SUBCATEGORY_RE.match(k)
        ),
        "NIST AI 600-1 risks": sum(
            1 for k, f in by_code.items() if f == "nist_ai_600_1" and k.startswith("NIST-600-1:")
        ),
        "OWASP LLM items": sum(
            1 for k, f in by_code.items() if f == "owasp_llm" and re.match(r"^LLM\d\d:2025$", k)
        ),
        "ISO/IEC 42001 objectives": sum(
            1 for k, f in by_code.items() if f == "iso_42001" and re.match(r"^A\.\d+$", k)
        ),
        "EU AI Act Art. 5(1) points": sum(
            1 for k in by_code if re.match(r"^Art\. 5\(1\)\([a-h]\)$", k)
        ),
        "EU AI Act Annex III areas": sum(
            1 for k in by_code if re.match(r"^Annex III\([1-8]\)$", k)
        ),
    }
    for name, expected in EXPECTED_CATALOGUE.items():
        if counts[name] != expected:
            c.error(f"catalogue: {name}: expected {expected}, found {counts[name]}")
    for k, f in by_code.items():
        if f == "nist_ai_rmf" and not (NIST_CATEGORY_RE.match(k) or NIST_SUBCATEGORY_RE.match(k)):
            c.error(f"catalogue: malformed NIST AI RMF code {k!r}")
        if f == "mitre_atlas" and not (ATLAS_TECHNIQUE_RE.match(k) or ATLAS_TACTIC_RE.match(k)):
            c.error(f"catalogue: malformed MITRE ATLAS code {k!r}")
    return by_code, counts


def check_mitigation(m, where, c):
    if not isinstance(m, dict):
        c.error(f"{where}: mitigation must be a mapping")
        return
    extra = set(m) - MITIGATION_FIELDS
    missing = MITIGATION_FIELDS - set(m)
    if extra:
        c.error(f"{where}: unknown field(s) {sorted(extra)}")
    if missing:
        c.error(f"{where}: missing field(s) {sorted(missing)}")
    if not nonempty_str(m.get("title")):
        c.error(f"{where}: title must be a non-empty string")
    if m.get("kind") not in MITIGATION_KINDS:
        c.error(f"{where}: invalid kind {m.get('kind')!r}")
    if m.get("layer") not in LAYERS:
        c.error(f"{where}: invalid layer {m.get('layer')!r}")
    desc = m.get("description")
    if not nonempty_str(desc):
        c.error(f"{where}: description must be a non-empty string")
    elif len(desc.strip()) < MIN_MITIGATION_DESCRIPTION_CHARS:
        c.error(f"{where}: description shorter than {MIN_MITIGATION_DESCRIPTION_CHARS} characters")


def check_template(t, i, by_code, seen_keys, seen_titles, c):
    where = f"risk_library.yaml[{i}]"
    if not isinstance(t, dict):
        c.error(f"{where}: entry must be a mapping")
        return False
    key = t.get("key")
    if nonempty_str(key):
        where = f"{where} ({key})"
    extra = set(t) - TEMPLATE_FIELDS
    missing = TEMPLATE_FIELDS - set(t)
    if extra:
        c.error(f"{where}: unknown field(s) {sorted(extra)}")
    if missing:
        c.error(f"{where}: missing field(s) {sorted(missing)}")

    if not (isinstance(key, str) and KEY_RE.match(key)):
        c.error(f"{where}: key must be a lowercase hyphenated slug")
    elif key in seen_keys:
        c.error(f"{where}: duplicate key")
    seen_keys.add(key)

    title = t.get("title")
    if not nonempty_str(title):
        c.error(f"{where}: title must be a non-empty string")
    else:
        norm = title.strip().lower()
        if norm in seen_titles:
            c.error(f"{where}: duplicate title {title!r}")
        seen_titles.add(norm)

    category = t.get("category")
    if not isinstance(category, str) or category.count("/") != 1:
        c.error(f"{where}: category must be '<category>/<subcategory>'")
    else:
        cat, sub = category.split("/")
        if cat not in TAXONOMY:
            c.error(f"{where}: unknown category {cat!r}")
        elif sub not in TAXONOMY[cat]:
            c.error(f"{where}: unknown subcategory {sub!r} for {cat!r}")

    kinds = t.get("ai_kinds")
    if not isinstance(kinds, list):
        c.error(f"{where}: ai_kinds must be a list")
    else:
        for k in kinds:
            if k not in AI_KINDS:
                c.error(f"{where}: invalid ai_kind {k!r}")
        if len(set(kinds)) != len(kinds):
            c.error(f"{where}: duplicate ai_kinds")

    scenario = t.get("scenario")
    if not nonempty_str(scenario):
        c.error(f"{where}: scenario must be a non-empty string")
    elif len(scenario.strip()) < MIN_SCENARIO_CHARS:
        c.error(f"{where}: scenario shorter than {MIN_SCENARIO_CHARS} characters")

    for field in ("inherent_likelihood", "inherent_impact"):
        v = t.get(field)
        if not (isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5):
            c.error(f"{where}: {field} must be an integer 1-5, got {v!r}")

    refs = t.get("framework_refs")
    if not isinstance(refs, list):
        c.error(f"{where}: framework_refs must be a list")
    else:
        if not MIN_REFS <= len(refs) <= MAX_REFS:
            c.error(f"{where}: {len(refs)} framework_refs, expected {MIN_REFS}-{MAX_REFS}")
        if len(set(refs)) != len(refs):
            c.error(f"{where}: duplicate framework_refs")
        for r in refs:
            if r not in by_code:
                c.error(f"{where}: framework_ref {r!r} is not in framework_references.yaml")
        if not any(by_code.get(r) == "nist_ai_rmf" and NIST_SUBCATEGORY_RE.match(r) for r in refs):
            c.warn(f"{where}: cites no NIST AI RMF subcategory")

    mits = t.get("mitigations")
    if not isinstance(mits, list):
        c.error(f"{where}: mitigations must be a list")
    else:
        if not MIN_MITIGATIONS <= len(mits) <= MAX_MITIGATIONS:
            c.error(
                f"{where}: {len(mits)} mitigations, expected {MIN_MITIGATIONS}-{MAX_MITIGATIONS}"
            )
        mtitles = [m.get("title") for m in mits if isinstance(m, dict)]
        if len(set(mtitles)) != len(mtitles):
            c.error(f"{where}: duplicate mitigation titles")
        for j, m in enumerate(mits):
            check_mitigation(m, f"{where}.mitigations[{j}]", c)

    text = " ".join(
        [str(t.get("title", "")), str(t.get("scenario", ""))]
        + [
            f"{m.get('title', '')} {m.get('description', '')}"
            for m in (mits or [])
            if isinstance(m, dict)
        ]
    )
    for match in sorted({m.group(0) for m in AMERICAN_SPELLINGS.finditer(text)}):
        c.error(f"{where}: American spelling {match!r} (the library uses British English)")
    return True


def main(argv):
    quiet = "--quiet" in argv
    c = Checker()
    refs = load_yaml(FRAMEWORKS_FILE, c)
    library = load_yaml(LIBRARY_FILE, c)
    if refs is None or library is None:
        for e in c.errors:
            print(f"ERROR: {e}")
        return 1

    by_code, cat_counts = check_references(refs, c)
    titles_by_code = {
        e["code"]: e.get("title") for e in refs if isinstance(e, dict) and "code" in e
    }

    seen_keys, seen_titles = set(), set()
    templates = [
        t for i, t in enumerate(library) if check_template(t, i, by_code, seen_keys, seen_titles, c)
    ]

    # ---- coverage -------------------------------------------------------
    fw_templates = Counter()  # framework -> templates citing it
    fw_codes = defaultdict(set)  # framework -> distinct codes cited
    code_uses = Counter()
    cat_counter, sub_counter = Counter(), Counter()
    kind_counter = Counter()
    for t in templates:
        refs_t = [r for r in t.get("framework_refs") or [] if r in by_code]
        for fw in {by_code[r] for r in refs_t}:
            fw_templates[fw] += 1
        for r in refs_t:
            fw_codes[by_code[r]].add(r)
            code_uses[r] += 1
        category = t.get("category")
        if isinstance(category, str) and "/" in category:
            cat_counter[category.split("/")[0]] += 1
            sub_counter[category] += 1
        kinds = t.get("ai_kinds") or []
        for k in kinds if kinds else ["(all kinds)"]:
            kind_counter[k] += 1

    catalogue_by_fw = defaultdict(list)
    for code, fw in by_code.items():
        catalogue_by_fw[fw].append(code)

    print(f"Framework catalogue: {len(by_code)} items")
    for fw, label in FRAMEWORKS.items():
        print(f"  {label:<24} {len(catalogue_by_fw[fw]):>4}")
    for name, n in cat_counts.items():
        print(f"    {name:<30} {n:>3}")

    print(f"\nRisk library: {len(templates)} templates")
    print(
        "\nCoverage per framework "
        "(templates citing it / distinct codes cited / codes in catalogue):"
    )
    for fw, label in FRAMEWORKS.items():
        print(
            f"  {label:<24} {fw_templates[fw]:>4} templates  "
            f"{len(fw_codes[fw]):>3} / {len(catalogue_by_fw[fw]):>3} codes"
        )
    atlas_techniques = sorted(r for r in fw_codes["mitre_atlas"] if ATLAS_TECHNIQUE_RE.match(r))
    nist_subs = sorted(r for r in fw_codes["nist_ai_rmf"] if NIST_SUBCATEGORY_RE.match(r))
    print(f"  distinct MITRE ATLAS techniques cited: {len(atlas_techniques)}")
    print(f"  distinct NIST AI RMF subcategories cited: {len(nist_subs)}")

    print("\nTemplates per category / subcategory:")
    for cat, subs in TAXONOMY.items():
        print(f"  {cat:<16} {cat_counter[cat]:>4}")
        for sub in subs:
            print(f"      {sub:<26} {sub_counter[f'{cat}/{sub}']:>4}")

    print("\nTemplates per AI kind (a template may list several; [] = all kinds):")
    for k in sorted(kind_counter):
        print(f"  {k:<16} {kind_counter[k]:>4}")

    if not quiet:
        print("\nUses per cited code:")
        for fw, label in FRAMEWORKS.items():
            cited = sorted(fw_codes[fw], key=lambda x: (-code_uses[x], x))
            if cited:
                print(f"  {label}: " + ", ".join(f"{x} ({code_uses[x]})" for x in cited))

    def uncovered(fw):
        return [x for x in catalogue_by_fw[fw] if x not in fw_codes[fw]]

    print("\nOWASP LLM 2025 items NOT covered:")
    for x in uncovered("owasp_llm") or ["(none)"]:
        print(f"  {x} {titles_by_code.get(x) or ''}".rstrip())
    print("NIST AI 600-1 risks NOT covered:")
    for x in uncovered("nist_ai_600_1") or ["(none)"]:
        print(f"  {x}")

    # ---- required coverage ---------------------------------------------
    if len(templates) < MIN_TEMPLATES:
        c.error(f"coverage: {len(templates)} templates, at least {MIN_TEMPLATES} required")
    for x in uncovered("owasp_llm"):
        c.error(f"coverage: OWASP item {x} is cited by no template")
    for x in uncovered("nist_ai_600_1"):
        c.error(f"coverage: NIST AI 600-1 risk {x} is cited by no template")
    if len(atlas_techniques) < MIN_ATLAS_TECHNIQUES:
        c.error(
            f"coverage: {len(atlas_techniques)} distinct MITRE ATLAS techniques cited, "
            f"at least {MIN_ATLAS_TECHNIQUES} required"
        )
    for cat, subs in TAXONOMY.items():
        for sub in subs:
            if not sub_counter[f"{cat}/{sub}"]:
                c.error(f"coverage: no template in {cat}/{sub}")
    for art in REQUIRED_EU_ARTICLES:
        if not code_uses[art]:
            c.error(f"coverage: EU AI Act {art} is cited by no template")
    for k in REQUIRED_AI_KINDS:
        if not kind_counter[k]:
            c.error(f"coverage: no template suggested for AI kind {k!r}")

    if c.warnings:
        print(f"\n{len(c.warnings)} warning(s):")
        for w in c.warnings:
            print(f"  WARNING: {w}")
    if c.errors:
        print(f"\n{len(c.errors)} error(s):")
        for e in c.errors:
            print(f"  ERROR: {e}")
        return 1
    print("\nOK: all checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
