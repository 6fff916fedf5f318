"""axe-core, shipped inside axe-playwright-python, run on a page in the browser;
and the other checks of accessibility: widths, sideways scrolling, keyboard."""

from axe_playwright_python.sync_playwright import Axe

AXE_SCRIPT = Axe().axe_script
PHONE, DESKTOP = 375, 1280  # the widths every page is checked at (CSS pixels)


def with_axe(context):
    """Loads axe-core into each page of ``context`` as it opens: cheaper than
    sending the 500 kB script again before every check."""
    context.add_init_script(AXE_SCRIPT)
    return context


def violations(page):
    """The axe-core violations of ``page``, as readable one-liners.

    Waits for CSS transitions to end first: a half-faded overlay has a
    contrast that no user reads, and made the check flaky."""
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    if page.evaluate("typeof window.axe === 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    response = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']}: {violation['help']} ({', '.join(str(node['target']) for node in violation['nodes'][:3])})"
        for violation in response["violations"]
    ]


def sideways_scroll(page):
    """How many CSS pixels the page scrolls sideways (0: none)."""
    return page.evaluate("() => Math.max(0, document.scrollingElement.scrollWidth - innerWidth)")


def width_problems(page, height=800):
    """What is wrong with the loaded page at phone and desktop widths: axe-core
    violations at both, and a page that scrolls sideways on the phone. The page
    is not reloaded between the two widths: the portal renders no width on the
    server, so a resize shows what a phone would get."""
    found = []
    for width in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": height})
        found += [f"{width} px : {violation}" for violation in violations(page)]
        if width == PHONE and (extra := sideways_scroll(page)):
            found.append(f"{width} px : la page défile de côté ({extra} px de trop)")
    return found


FOCUSED_NAME = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const parts = [...(el.labels || [])].map(label => label.innerText);
    for (const id of (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)) {
        const target = document.getElementById(id);
        if (target) parts.push(target.innerText);
    }
    parts.push(el.getAttribute('aria-label') || '');
    if (['A', 'BUTTON', 'SUMMARY'].includes(el.tagName)) parts.push(el.innerText);
    const name = parts.join(' ').replace(/\\s+/g, ' ').trim();
    const style = getComputedStyle(el);
    return {name, visible: el.matches(':focus-visible') && style.outlineStyle !== 'none'};
}"""


def tab_to(page, name, exact=False, limit=150):
    """Presses Tab until the focused element's accessible name contains ``name``
    (or is ``name``, with ``exact``), and checks that the focus is visible there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_NAME)
        if focused and (focused["name"] == name if exact else name in focused["name"]):
            assert focused["visible"], f"le focus sur {name!r} ne se voit pas"
            return
    raise AssertionError(f"{name!r} jamais atteint au clavier")
