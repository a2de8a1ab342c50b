"""How long a demo high-risk system's Annex IV technical documentation takes to generate, and
how many pages its PDF has.

For each high-risk system of the demo organisation that has a generated version: the time to
assemble the live document from the register, to lay out the PDF of its latest version (the
first time in the process, WeasyPrint's fonts loading included, then warm) and to write the
DOCX; the PDF's page count (read back with pypdf) and the files' sizes. Read-only: it renders
files, it writes nothing (the cache is not used).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_annex_iv .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_annex_iv \\
        .venv/bin/python manage.py seed_demo --force
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_annex_iv \\
        .venv/bin/python bench/annex_iv.py --runs 5
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="warm renderings of each file")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from pypdf import PdfReader

    from apps.documentation import annex_iv, outputs
    from apps.documentation.models import TechnicalDocument

    documents = list(
        TechnicalDocument.objects.filter(
            system__eu_ai_act_tier="high_risk", latest_version_number__gt=0
        )
        .select_related("system")
        .order_by("system__name")
    )
    if not documents:
        print("No generated Annex IV document of a high-risk system: run seed_demo first.")
        return 1
    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}; {args.runs} runs")
    for document in documents:
        version = document.versions.select_related("generated_by").get(
            number=document.latest_version_number
        )
        assemble, content = timed(lambda d=document: annex_iv.assemble_document(d))
        cold_pdf, pdf = timed(lambda v=version: outputs.build_pdf(v))
        pdf_times = [timed(lambda v=version: outputs.build_pdf(v))[0] for _ in range(args.runs)]
        docx_times = []
        docx = b""
        for _ in range(args.runs):
            seconds, docx = timed(lambda v=version: outputs.build_docx(v))
            docx_times.append(seconds)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        system = document.system
        print(
            f"\n{system.reference} {system.name} — {document.reference} version {version.number}"
            f" ({version.gap_count} gaps, SHA-256 {version.sha256[:16]}…)"
        )
        sections = len(content["sections"])
        print(f"  assemble from the register: {assemble * 1000:.0f} ms ({sections} sections)")
        print(f"  PDF:  {pages} pages, {len(pdf) / 1024:.0f} KiB")
        print(
            f"        first in the process {cold_pdf:.2f} s; then median "
            f"{statistics.median(pdf_times):.2f} s (min {min(pdf_times):.2f}, "
            f"max {max(pdf_times):.2f})"
        )
        print(
            f"  DOCX: {len(docx) / 1024:.0f} KiB; median {statistics.median(docx_times) * 1000:.0f}"
            f" ms (min {min(docx_times) * 1000:.0f}, max {max(docx_times) * 1000:.0f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
