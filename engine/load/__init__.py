"""``scenario load``: a scenario as Locust virtual users, each running it end to end in a loop.

The command (``engine.load.launch``) checks the scenario, starts a loopback ``scenario serve`` when
the target is local, and runs Locust in a process of its own (``python -m engine.load.main``):
Locust patches the standard library with gevent as it is imported, which the rest of the engine
(its signal handling, its threads) must never see. There ``engine.load.user`` is the Locust user
and ``engine.load.stats`` turns what each iteration did into Locust's request statistics.
"""
