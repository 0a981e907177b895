"""Team memory: a shared store on S3-compatible object storage beside the personal one.

- :mod:`memd.team.aws` — where the object store is and how to sign in, from the standard AWS
  settings (never written to memd's own files);
- :mod:`memd.team.view` — :class:`TeamView`, the MemoryAPI a person or agent uses when a team
  store is set: writes stay personal unless ``shared``; recall and the briefing read both and
  mark what came from the team; the team store down means a warning, not a failure.
"""
