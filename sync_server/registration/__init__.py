"""Registration of authorities: applications, coordinators' decisions, direct registration."""
