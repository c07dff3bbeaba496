"""Every table of the server, imported in one place so that ``Base.metadata`` is complete.

Alembic's environment and anything that creates or inspects the whole schema import this.
"""

from sync_server.auth import audit as admin_audit
from sync_server.auth import models as auth_models
from sync_server.blobs import models as blob_models
from sync_server.cases import models as case_models
from sync_server.catalogue import draft_models
from sync_server.catalogue import models as catalogue_models
from sync_server.directory import models as directory_models
from sync_server.jobs import models as job_models
from sync_server.mail import models as mail_models
from sync_server.organisation import models as organisation_models
from sync_server.orm import Base
from sync_server.registration import models as registration_models
from sync_server.sync import models as sync_models
from sync_server.translation import models as translation_models

metadata = Base.metadata

__all__ = ["admin_audit", "auth_models", "blob_models", "case_models", "catalogue_models",
           "directory_models", "draft_models", "job_models", "mail_models", "metadata",
           "organisation_models", "registration_models", "sync_models", "translation_models"]
