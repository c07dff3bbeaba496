"""The user guide and the About box."""

import html

from desktop.help import guide_html
from desktop.i18n import _
from desktop.qt import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget, named
from desktop.views.widgets import fit_to_screen


class HelpDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("IMI user guide"))
        self.setObjectName("helpDialog")
        fit_to_screen(self, 820, 760)
        layout = QVBoxLayout(self)
        self.text = named(QTextBrowser(), "guide")
        self.text.setHtml(guide_html())
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class AboutDialog(QDialog):
    def __init__(self, *, version: str, server_url: str, protocol_version: int,
                 user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("About IMI"))
        self.setObjectName("aboutDialog")
        fit_to_screen(self, 560, 360)
        layout = QVBoxLayout(self)
        text = named(QTextBrowser(), "aboutText")
        rows = [(_("Version"), version), (_("Server address"), server_url),
                (_("Sync protocol version"), str(protocol_version)), (_("Signed in as"), user)]
        table = "".join(f"<tr><td style='color:gray;padding-right:12px'>{html.escape(k)}</td>"
                        f"<td>{html.escape(v)}</td></tr>" for k, v in rows)
        intro = _("Internal Market Information system: the authorities of the member states "
                  "exchange information, each in its own language.")
        text.setHtml(f"<h2>IMI</h2><p>{html.escape(intro)}</p><table>{table}</table>")
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
