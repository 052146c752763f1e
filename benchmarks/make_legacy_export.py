"""Write a realistic synthetic export of the old member database (CSV or XLSX).

French names with accents and hyphens, siblings and twins, parents shared by
two families (blended families), missing emails, phones and birth dates
written every way a spreadsheet sees them, names typed in capitals. The same
seed gives the same file.

    .venv/bin/python benchmarks/make_legacy_export.py OUT.csv --children 10000 [--seed 1]
    .venv/bin/python benchmarks/make_legacy_export.py OUT.xlsx --families 500
"""

import argparse
import csv
import datetime
import random
import sys
import unicodedata
from pathlib import Path

from faker import Faker

HEADERS = [
    "N° adhérent",
    "Nom",
    "Prénom",
    "Date de naissance",
    "Sexe",
    "Parent1 nom",
    "Parent1 prénom",
    "Parent1 email",
    "Parent1 téléphone",
    "Parent2 nom",
    "Parent2 prénom",
    "Parent2 email",
    "Parent2 téléphone",
    "Adresse",
    "Code postal",
    "Ville",
    "Activités",
]
ACTIVITIES = [
    "Judo", "Football", "Multisports", "Chorale", "Guitare", "Hip-hop", "Danse classique", "Théâtre",
    "Arts plastiques", "Poterie", "Bande dessinée", "Escalade", "Séjour ski", "Séjour voile", "Séjour ferme",
]  # fmt: skip
COMPOUND_FIRST_NAMES = ["Marie-Claire", "Jean-Baptiste", "Anne-Sophie", "Louis-Marie", "Léa-Rose", "Pierre-Louis"]


def phone_as_typed(rng, fake):
    """A French mobile number written any way, now and then unusable."""
    prefix = rng.choice(["6" + str(rng.randint(0, 9)), "7" + str(rng.randint(5, 8))])  # numbers in service
    digits = "0" + prefix + "".join(str(rng.randint(0, 9)) for _ in range(7))
    if rng.random() < 0.03:
        return digits[: rng.randint(3, 7)]  # truncated: the import warns and drops it
    style = rng.random()
    if style < 0.4:
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    if style < 0.6:
        return digits
    if style < 0.75:
        return ".".join(digits[i : i + 2] for i in range(0, 10, 2))
    if style < 0.9:
        return "+33 " + digits[1] + " " + " ".join(digits[i : i + 2] for i in range(2, 10, 2))
    return "-".join(digits[i : i + 2] for i in range(0, 10, 2))


def date_as_typed(rng, day, xlsx):
    style = rng.random()
    if xlsx and style < 0.5:
        return datetime.datetime(day.year, day.month, day.day)
    if style < 0.6:
        return day.strftime("%d/%m/%Y")
    if style < 0.75:
        return day.isoformat()
    if style < 0.85:
        return day.strftime("%d.%m.%Y")
    return f"{day.day}/{day.month}/{day.strftime('%y')}"


def ascii_slug(text):
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if char.isascii() and (char.isalnum() or char in "-")).lower()


def adult(fake, rng, family_name):
    first = fake.first_name()
    email = None
    if rng.random() > 0.15:  # some parents never gave an email
        local = f"{ascii_slug(first)}.{ascii_slug(family_name)}{rng.randint(1, 999)}"
        email = f"{local}@{rng.choice(['exemple.fr', 'exemple.com', 'courriel.fr', 'boite.net'])}"
    return {"last": family_name, "first": first, "email": email, "phone": phone_as_typed(rng, fake)}


def generate(children=None, families=None, seed=1, xlsx=False):
    """Rows (lists of values) of the export, header excluded."""
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    Faker.seed(seed)
    today = datetime.date.today()
    rows, number, shared_parents = [], 1000, []
    family_count = 0
    while (children is None or len(rows) < children) and (families is None or family_count < families):
        family_count += 1
        family_name = fake.last_name()
        if rng.random() < 0.08:
            family_name = f"{family_name}-{fake.last_name()}"
        parents = [adult(fake, rng, family_name)]
        if rng.random() < 0.75:
            parents.append(adult(fake, rng, family_name if rng.random() < 0.7 else fake.last_name()))
        if shared_parents and rng.random() < 0.05:  # a parent already seen in another family
            parents[-1] = rng.choice(shared_parents)
        shared_parents.append(parents[0])
        address = (fake.street_address(), fake.postcode(), fake.city())
        kids = rng.choices([1, 2, 3, 4], weights=[45, 35, 15, 5])[0]
        births = []
        for _ in range(kids):
            birth = today - datetime.timedelta(days=rng.randint(3 * 365, 17 * 365))
            births.append(birth)
            if rng.random() < 0.03:  # twins
                births.append(birth)
        for birth in births:
            if children is not None and len(rows) >= children:
                break
            number += 1
            sex = rng.choice(["F", "M"])
            first = (
                rng.choice(COMPOUND_FIRST_NAMES)
                if rng.random() < 0.05
                else (fake.first_name_female() if sex == "F" else fake.first_name_male())
            )
            last = family_name.upper() if rng.random() < 0.2 else family_name
            padded = parents + [None] * (2 - len(parents))
            parent_cells = []
            for person in padded:
                parent_cells += (
                    [person["last"], person["first"], person["email"] or "", person["phone"]]
                    if person
                    else ["", "", "", ""]
                )
            postal = address[1]
            if postal.startswith("0") and rng.random() < 0.3:
                postal = postal[1:]  # a spreadsheet ate the leading zero
            activities = ", ".join(
                f"{rng.choice(ACTIVITIES)} {year}-{year + 1}"
                for year in rng.sample(range(2018, 2026), rng.randint(0, 3))
            )
            rows.append(
                [
                    number if xlsx else str(number),
                    last,
                    first,
                    date_as_typed(rng, birth, xlsx),
                    rng.choice({"F": ["F", "Fille", "féminin"], "M": ["M", "G", "Garçon", "masculin"]}[sex]),
                    *parent_cells,
                    *address[:1],
                    postal,
                    address[2],
                    activities,
                ]
            )
    return rows


def write(path, rows):
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Adhérents")
        sheet.append(HEADERS)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, delimiter=";")
            writer.writerow(HEADERS)
            writer.writerows(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="fichier .csv ou .xlsx à écrire")
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--children", type=int)
    size.add_argument("--families", type=int)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = generate(children=args.children, families=args.families, seed=args.seed, xlsx=args.out.endswith(".xlsx"))
    write(args.out, rows)
    print(f"{len(rows)} enfants écrits dans {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
