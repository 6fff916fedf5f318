"""axe-core, shipped inside axe-playwright-python, run on a page in the browser."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def violations(page):
    """The axe-core violations of ``page``, as readable one-liners.

    Waits for CSS transitions to end first: a half-faded overlay has a
    contrast that no user reads, and made the check flaky."""
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    results = _axe.run(page)
    return [
        f"{violation['id']}: {violation['help']} ({', '.join(str(node['target']) for node in violation['nodes'][:3])})"
        for violation in results.response["violations"]
    ]
