"""Learning from conversation: durable, typed statements out of the turns people write.

- :mod:`~memd.distill.sentences` splits a turn into sentences and strips openers;
- :mod:`~memd.distill.frames` reads the shapes rules are stated in (zero-LLM);
- :mod:`~memd.distill.subjects` puts two wordings of one subject under one key;
- :mod:`~memd.distill.distiller` turns a turn into :class:`Statement` objects;
- :mod:`~memd.distill.slots` the marks a learned memory carries (its slot, its links);

the service's learner (:mod:`memd.service.learning`) stores them, replacing older versions by
subject. This package is a library: it never imports the service.
"""

from memd.distill.distiller import Distiller, Statement

__all__ = ["Distiller", "Statement"]
