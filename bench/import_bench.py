"""Benchmark of `relais import-partners` on a national-size file.

Writes 10,000 data·inclusion v1 structures and 20,000 services (spread over
100 départements; 1 % of them in the Aude, 11) to a temporary folder, then
measures, each in a fresh process (time and peak memory, ru_maxrss):

    json      reading both files with the JSON parser alone (the floor)
    import    `relais import-partners structures.json --services services.json
              --departement 11` into a fresh SQLite database
    dry-run   the same with --dry-run (everything checked, nothing written)

Run from the project root:  .venv/bin/python bench/import_bench.py
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STRUCTURES, SERVICES_PER_STRUCTURE = 10_000, 2
THEMES = [
    "famille--soutien-aidants",
    "logement-hebergement--reduire-les-impayes-de-loyer",
    "numerique--acceder-a-des-services-en-ligne",
    "sante--acces-aux-soins",
]
HOURS = ["Mo,Th 09:00-12:00; PH off", "Tu[2] 14:00-16:30", "Mo-Fr 09:00-12:00,14:00-17:00", None]


def generate(folder, seed=6):
    rng = random.Random(seed)
    departements = [f"{n:02d}" for n in range(1, 96) if n != 20][:99] + ["11"]
    structures, services = [], []
    for n in range(STRUCTURES):
        dep = "11" if n % 100 == 0 else rng.choice(departements[:-1])
        structure_id = f"bench--{n}"
        structures.append(
            {
                "source": "bench",
                "id": structure_id,
                "nom": f"Structure d'insertion numéro {n}",
                "date_maj": 1748736000000,  # epoch ms, as the open data writes dates
                "adresse": f"{n} rue de la République",
                "code_postal": f"{dep}{rng.randint(0, 999):03d}",
                "code_insee": f"{dep}{rng.randint(1, 999):03d}",
                "commune": "Commune",
                "telephone": "+33465712233",
                "courriel": f"contact{n}@example.org",
                "site_web": f"https://structure{n}.example.org/",
                "description": "Une structure qui accompagne les habitants dans leurs démarches. " * 3,
                "lien_source": f"https://bench.example.org/structures/{n}",
                "score_qualite": 0.5,
            }
        )
        for s in range(SERVICES_PER_STRUCTURE):
            services.append(
                {
                    "source": "bench",
                    "id": f"bench--{n}-{s}",
                    "structure_id": structure_id,
                    "nom": f"Service {s} de la structure {n}",
                    "description": "Accompagnement individuel, sur rendez-vous ou sans.",
                    "date_maj": "2025-06-01",
                    "thematiques": rng.sample(THEMES, 2),
                    "modes_accueil": ["en-presentiel"],
                    "horaires_accueil": rng.choice(HOURS),
                    "zone_eligibilite": [dep],
                }
            )
    (folder / "structures.json").write_text(json.dumps(structures, ensure_ascii=False), encoding="utf-8")
    (folder / "services.json").write_text(json.dumps(services, ensure_ascii=False), encoding="utf-8")


MEASURE = """
import resource, sys, time
start = time.perf_counter()
{body}
elapsed = time.perf_counter() - start
print(f"RESULT {{elapsed:.2f}} {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}}")
"""
JSON_ONLY = """
import json
for name in ("structures.json", "services.json"):
    with open(sys.argv[1] + "/" + name, encoding="utf-8") as handle:
        json.load(handle)
"""
IMPORT = """
from portal.cli import cli
try:
    cli(["import-partners", sys.argv[1] + "/structures.json", "--services", sys.argv[1] + "/services.json",
         "--departement", "11", *sys.argv[2:]], standalone_mode=False)
except SystemExit as exit:
    print("exit", exit.code)
"""


def measure(body, folder, env, *args):
    script = MEASURE.format(body=body)
    result = subprocess.run(
        [sys.executable, "-c", script, str(folder), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT"))
    seconds, megabytes = line.split()[1:]
    summary = [line for line in result.stdout.splitlines() if "structure(s)" in line]
    return float(seconds), int(megabytes), summary[:1]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        generate(folder)
        sizes = {name: (folder / name).stat().st_size / 1e6 for name in ("structures.json", "services.json")}
        print(
            f"files written in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{k} {v:.1f} MB" for k, v in sizes.items())
        )
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PORTAL_SITE_DIR": str(folder / "site"),
            "NO_MKDOCS_2_WARNING": "1",
            "PORTAL_ENV": "development",
        }
        env["PORTAL_DATABASE_URL"] = f"sqlite:///{folder / 'relais.db'}"
        subprocess.run(
            [sys.executable, "-m", "portal.cli", "init-db"], env=env, check=True, capture_output=True
        )
        for label, body, args in (
            ("json", JSON_ONLY, ()),
            ("import", IMPORT, ()),
            ("import again (updates)", IMPORT, ()),
            ("dry-run", IMPORT, ("--dry-run",)),
        ):
            seconds, megabytes, summary = measure(body, folder, env, *args)
            print(f"{label:<24} {seconds:6.2f} s  {megabytes:5d} MB peak  {' '.join(summary)}")


if __name__ == "__main__":
    main()
