"""Write tests/samples/experts.csv and experts.xlsx: the sample lists of experts to import.

Run from the repository root: ``.venv/bin/python tests/samples/make_expert_samples.py``.
Both files hold the same rows – three good ones, then one for each kind of refusal – and
the workbook holds a real formula cell where the CSV has the formula's text.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
HEADER = ["full_name", "email", "regions", "languages", "topics", "phone", "city", "notes"]
ROWS = [
    [
        "Nino Beridze",
        "nino.beridze@example.org",
        "georgia;abkhazia",
        "ka:native;de:B2;en:C1",
        "politics;society",
        "+995 599 12 34 56",
        "Tbilisi",
        "Writes for us since 2019",
    ],
    [
        "Армен Саргсян",
        "armen.sargsyan@example.org",
        "armenia",
        "hy:native;ru:C2",
        "economy",
        "",
        "Yerevan",
        "",
    ],
    [
        "Leyla Mammadova",
        "leyla.mammadova@example.org",
        "azerbaijan;nakhchivan",
        "az:native;en:B2",
        "energy;environment",
        "",
        "Baku",
        "",
    ],
    ["Giorgi Kapanadze", "giorgi@example", "georgia", "ka:native", "politics", "", "", ""],
    ["Zurab Tsereteli", "zurab@example.org", "mars", "ka:native", "politics", "", "", ""],
    ["Tamar Lomidze", "tamar@example.org", "georgia", "ka:fluent", "culture", "", "", ""],
    ["Ali Aliyev", "NINO.BERIDZE@example.org", "azerbaijan", "az:native", "media", "", "", ""],
    ["Eka Gelashvili", "eka@example.org", "georgia", "ka:native", "sports", "", "", ""],
]
# The formula row: text in the CSV, a formula cell in the workbook.
FORMULA_ROW = ["Lasha Abashidze", "lasha@example.org", "georgia", "ka:native", "politics"]
FORMULA = '=HYPERLINK("http://example.com","Tbilisi")'


def main() -> None:
    """Write both sample files."""
    with open(HERE / "experts.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(ROWS)
        writer.writerow([*FORMULA_ROW, "", FORMULA, ""])
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Experts"
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append([value or None for value in row])
    sheet.append([*FORMULA_ROW, None, FORMULA, None])
    workbook.save(HERE / "experts.xlsx")


if __name__ == "__main__":
    main()
