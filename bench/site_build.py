"""How long the public site takes to build, and how much memory, as partners grow.

For N partners (with permanences and events) it builds the real site from a
throw-away SQLite database twice: in French only (PORTAL_SITE_LANGUAGES=fr)
and in three languages (fr,en,ar: the tenant pages and bilingual posters once
more per language). As the baseline, measured in the same run, a plain
`mkdocs build` of as many static Markdown pages as the three-language site,
with the same theme. Each build runs in its own process so that its peak
memory (RSS) is its own.

    .venv/bin/python bench/site_build.py            # 500 and 5,000 partners
    .venv/bin/python bench/site_build.py 1000 2000  # other sizes
"""

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_database(url, partners):
    """N published partners, one permanence for every 5, one event for every 10."""
    from portal import create_app
    from portal.demo import load_demo
    from portal.store.migrations import upgrade
    from portal.store.models.events import Event
    from portal.store.models.partners import Partner, PartnerSector, PartnerTheme
    from portal.store.models.places import Place, Sector, Theme
    from portal.store.models.schedule import Permanence

    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        Theme.load_vocabulary()
        load_demo()
        sectors, themes = list(Sector.select()), list(Theme.select())
        place = Place.get()
        start = datetime.now(UTC) + timedelta(days=3)
        rows = [
            {
                "name": f"Structure {n:05d}",
                "slug": f"structure-{n:05d}",
                "status": "published",
                "summary": "Accompagnement des habitants du quartier.",
                "description": "Une association du réseau.\n\nAccueil sur rendez-vous.",
                "address": f"{n} rue des Écoles",
                "postcode": "11000",
                "commune": "Carcassonne",
                "phone": "04 65 71 00 00",
                "email": f"contact{n}@exemple.org",
            }
            for n in range(partners)
        ]
        from portal.store.db import db

        with db.atomic():
            for chunk in range(0, len(rows), 500):
                Partner.insert_many(rows[chunk : chunk + 500]).execute()
            ids = [p.id for p in Partner.select(Partner.id).where(Partner.slug.startswith("structure-"))]
            PartnerTheme.insert_many(
                [(pid, themes[i % len(themes)].id) for i, pid in enumerate(ids)],
                fields=[PartnerTheme.partner, PartnerTheme.theme],
            ).execute()
            PartnerSector.insert_many(
                [(pid, sectors[i % 4].id) for i, pid in enumerate(ids)],
                fields=[PartnerSector.partner, PartnerSector.sector],
            ).execute()
            for i, pid in enumerate(ids):
                if i % 5 == 0:
                    Permanence.create(
                        partner=pid,
                        sector=sectors[i % 4],
                        place=place,
                        title="Permanence",
                        weekdays="TU",
                        opens_at=clock(14),
                        closes_at=clock(16),
                        valid_from=date(2026, 1, 6),
                    )
                if i % 10 == 0:
                    Event.create(
                        kind="other",
                        title=f"Atelier {i}",
                        organiser=pid,
                        place=place,
                        starts_at=start + timedelta(hours=i),
                        ends_at=start + timedelta(hours=i + 2),
                    )


def make_static_docs(folder, pages):
    """The baseline: the same number of plain Markdown pages, same theme, explicit nav."""
    docs = folder / "docs"
    (docs / "pages").mkdir(parents=True)
    (docs / "index.md").write_text("# Accueil\n\nBaseline.\n")
    for n in range(pages):
        (docs / "pages" / f"p{n:05d}.md").write_text(
            f"# Structure {n:05d}\n\nAccompagnement des habitants du quartier.\n\n"
            "## Coordonnées\n\n- Adresse : 1 rue des Écoles, 11000 Carcassonne\n- Téléphone : 04 65 71 00 00\n"
        )
    (folder / "mkdocs.yml").write_text(
        "site_name: Baseline\ndocs_dir: docs\nsite_dir: site\n"
        "theme:\n  name: material\n  language: fr\n  font: false\n"
        "plugins:\n  - search:\n      lang: fr\n"
        "not_in_nav: |\n  /pages/\nnav:\n  - Accueil: index.md\n"
    )
    return folder / "mkdocs.yml"


def timed_child(args, env):
    """Run one build in a fresh process; returns (seconds, peak RSS in MB)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, *args], env=env)
    _, status, usage = os.wait4(process.pid, 0)  # this child's own peak, not all children's
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"build failed ({args[1]})")
    return elapsed, usage.ru_maxrss / 1024


def child(config, site_dir):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    build(load_config(config, site_dir=site_dir))


def measure(partners):
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as tmp:
        tmp = Path(tmp)
        env = {
            **os.environ,
            "PORTAL_DATABASE_URL": f"sqlite:///{tmp / 'relais.db'}",
            "NO_MKDOCS_2_WARNING": "1",
        }
        make_database(env["PORTAL_DATABASE_URL"], partners)
        result = {"partners": partners}
        for key, langs in (("one", "fr"), ("three", "fr,en,ar")):
            site = tmp / f"site-{key}"
            seconds, rss = timed_child(
                ["--child", "site", str(ROOT / "mkdocs.yml"), str(site)],
                {**env, "PORTAL_SITE_LANGUAGES": langs},
            )
            result[key] = {"s": seconds, "mb": rss, "pages": sum(1 for _ in site.rglob("index.html"))}
        baseline_config = make_static_docs(tmp / "baseline", result["three"]["pages"] - 1)
        seconds, rss = timed_child(["--child", "baseline", str(baseline_config), str(tmp / "b")], env)
        result["baseline"] = {"s": seconds, "mb": rss, "pages": result["three"]["pages"]}
    return result


def main(sizes):
    print(
        f"{'partners':>8} {'pages fr':>8} {'fr (s)':>7} {'pages fr,en,ar':>14} {'fr,en,ar (s)':>12} "
        f"{'RSS (MB)':>9} {'x fr':>5} {'plain MkDocs (s)':>16} {'x plain':>7}"
    )
    for size in sizes:
        r = measure(size)
        one, three, base = r["one"], r["three"], r["baseline"]
        print(
            f"{r['partners']:>8} {one['pages']:>8} {one['s']:>7.1f} {three['pages']:>14} {three['s']:>12.1f} "
            f"{three['mb']:>9.0f} {three['s'] / one['s']:>5.2f} {base['s']:>16.1f} {three['s'] / base['s']:>7.2f}"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[3:5])
    else:
        main([int(n) for n in sys.argv[1:]] or [500, 5000])
