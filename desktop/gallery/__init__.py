"""The screenshot gallery: every window and dialog, in every shipped UI language, at
1280x800 and 1920x1080, rendered offscreen with demo data.

    python -m desktop.gallery OUT [--lang de --lang fi ...] [--screens main-inbox,answer]
                                  [--size 1280x800]

writes ``OUT/<screen>-<language>-<width>x<height>.png`` and ``OUT/problems.txt`` (every text
that does not fit its widget, see ``desktop.gallery.fit``); it exits with 1 if there is any.
Without options it renders every screen in every language at both sizes (26 languages: some
twenty minutes on two cores). Each size runs in its own process, on an offscreen screen of
that size.
"""

SIZES = ((1280, 800), (1920, 1080))

# The screens of the officer who asks (Anna), of the one who answers (Peter), of a
# coordinator, and of the first start, in the order they are rendered.
ANNA_SCREENS = ("main-inbox", "main-history", "new-request", "new-request-search", "directory",
                "new-request-incomplete", "new-request-documents",
                "edit-draft", "answer", "withdraw", "main-workflow", "main-workflow-messages",
                "step-give-info", "step-comment", "step-propose-date", "step-forward",
                "step-split", "step-rate", "step-escalate", "confirm-accept-reply",
                "main-filtered", "allocation", "user-guide", "about", "main-offline",
                "close-with-queued-changes")
PETER_SCREENS = ("main-inbox-responder", "needs-attention", "case-documents")
# The Bavarian coordinator's approval queue, its two decisions, and its organisation settings.
COORDINATOR_SCREENS = ("approval-queue", "confirm-approve", "refuse-approval",
                       "organisation-settings", "organisation-rule")
FIRST_START_SCREENS = ("unlock", "set-up")
SCREENS = (*ANNA_SCREENS, *PETER_SCREENS, *COORDINATOR_SCREENS, *FIRST_START_SCREENS)
