"""The Textual app: pick a scenario, rehearse aloud, read the debrief, review history.

Nothing here is imported by the core (engine, store, backends); the app drives interviews only through
``voicemock.session.Rehearsal``.
"""
