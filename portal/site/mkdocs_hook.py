"""The file mkdocs.yml lists under ``hooks:``.

MkDocs loads hooks by file path, as a module of its own; importing the events
from portal.site.sitegen keeps a single copy of that module in the process.
"""

from portal.site.languages import (  # noqa: F401
    on_env,
    on_nav,
    on_page_context,
    on_page_markdown,
    on_post_page,
)
from portal.site.sitegen import on_config, on_files, on_page_content  # noqa: F401
