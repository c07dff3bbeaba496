"""The screenshot gallery: every window and dialog, in every complete UI language, at
1280x800 and 1920x1080, rendered offscreen with demo data.

    python -m desktop.gallery OUT

writes ``OUT/<screen>-<language>-<width>x<height>.png`` and ``OUT/problems.txt`` (every text
that does not fit its widget, see ``desktop.gallery.fit``); it exits with 1 if there is any.
Each size runs in its own process, on an offscreen screen of that size.
"""

SIZES = ((1280, 800), (1920, 1080))
