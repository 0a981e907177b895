"""The in-process memory service: a façade (:mod:`memd.service.facade`) over one component
per responsibility — writing, recalling, reinforcement, maintenance, curation."""

from memd.service.facade import MemoryService, Parts, ServiceConfig
from memd.service.recalling import RecallOptions
from memd.service.writing import WriteRules

__all__ = ["MemoryService", "Parts", "RecallOptions", "ServiceConfig", "WriteRules"]
