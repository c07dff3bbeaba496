"""Run by the interpreter of a fresh venv holding the installed wheel (test_installed_package).

    python installed_client.py SERVER_URL WORK_DIR

Sets up a profile against the server, syncs, opens the main window offscreen in German and
prints, as JSON, where the packages were loaded from and what the window shows. Imports only
the installed packages: this file is copied out of the checkout before it runs.
"""

import json
import os
import sys
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import desktop
import sync_protocol
from desktop.i18n import shipped_languages
from desktop.models import account, case_list
from desktop.models.db_lane import InlineLane
from desktop.models.sync_engine import SyncEngine
from desktop.models.transport import Transport


def main(url: str, work: Path) -> int:
    profile, key, replica = account.set_up(work / "de.weber", server_url=url,
                                           username="de.weber", password="imi-demo",
                                           passphrase="installed passphrase")
    transport = Transport(url, token=replica.get_meta("token"))
    SyncEngine(transport=transport, device_id=profile.device_id, db=InlineLane(replica)).sync()
    transport.close()
    cases = case_list.folder_counts(replica)["all"][0]
    replica.close()

    from desktop.controller import AppController
    from desktop.qt import QApplication

    app = QApplication([])
    profile, key = account.unlock(profile.path, "installed passphrase")
    controller = AppController(profile, key, language="de")
    controller.refresh()
    window = controller.window
    shown = {
        "new_request": window.new_action.text(),
        "folders": [window.folders.item(row).text() for row in range(window.folders.count())],
        "rows": controller.model.rowCount(),
    }
    controller.shutdown()
    app.quit()
    print(json.dumps({
        "package_files": [desktop.__file__, sync_protocol.__file__],
        "languages": shipped_languages(),
        "cases": cases,
        "shown": shown,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
