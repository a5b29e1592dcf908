"""The close as finance runs it: exception queue, waivers with four eyes, sign-off, period lock.

Everything is an event in ``OUT/workflow/events.jsonl`` (``log``); the state is their fold
(``state``); the command line and the web page act through ``service.Workflow``.
"""
