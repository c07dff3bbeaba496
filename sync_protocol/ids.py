"""Typed identifiers, so an authority id is never passed where a case id belongs."""

from typing import NewType

AuthorityId = NewType("AuthorityId", str)
CaseId = NewType("CaseId", str)
UserId = NewType("UserId", str)
DeviceId = NewType("DeviceId", str)
MemberStateCode = NewType("MemberStateCode", str)
